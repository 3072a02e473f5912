/**
 * Untrusted content stays data. Three defences, each usable alone:
 *
 * - Delimiting: `wrapUntrusted(text, { source })` puts tool output or a
 *   retrieved document into a prompt between markers it cannot forge or
 *   close; `toolResultMessage` does so for the function-call result segment.
 * - Quarantine (dual LLM): `quarantineRead(reader, raw, { schema })` has a
 *   tool-less model read raw text and return a bounded summary or typed
 *   fields; `QuarantineVault` keeps the raw text behind handles the planner
 *   can pass to tools without reading it.
 * - `presenter({ vault })` is the agent loop's one door for outside text
 *   (the shape of `node/agents/present.ts`): wrapped, or quarantined.
 * - The output check: `guardService()(components)` fingerprints the memory's
 *   restricted collections, and `guard.output` refuses (and audits) a result
 *   that reproduces their passages toward a recipient who may not read them.
 *
 * @example
 * const prompt = `${UNTRUSTED_NOTICE}\n${wrapUntrusted(page, { source: 'tool:web.fetch' })}`
 * const vault = new QuarantineVault(runtimeReader(runtime, 'tiny'))
 * const { view } = await vault.read(page, { source: 'tool:web.fetch' })
 * await guard.output.assertAllowed(peerId, text, { task })
 */
export { wrapUntrusted, toolResultMessage, neutralize, UNTRUSTED_OPEN, UNTRUSTED_CLOSE, UNTRUSTED_NOTICE, type WrapOptions } from './delimit.ts'
export { quarantineRead, type ReaderChat, type QuarantineReadOptions, type QuarantinedValue } from './quarantine.ts'
export { QuarantineVault, type Quarantined, type QuarantineVaultInit } from './vault.ts'
export { runtimeReader, type ReaderRuntime } from './reader.ts'
export { presenter, type Present, type PresentInit, type Presented, type PresenterInit } from './present.ts'
export { FingerprintIndex, type FingerprintIndexInit, type Match } from './fingerprints.ts'
export { OutputCheck, StreamCheck, textOf, type OutputCheckComponents, type Violation, type CheckContext } from './output-check.ts'
export { Guard, guardService, type GuardComponents, type GuardInit, type PassageSource } from './service.ts'
export { words, fingerprint, shingles } from './shingles.ts'
export * from './errors.ts'
export * from './constants.ts'
