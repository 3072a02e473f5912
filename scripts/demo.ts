/**
 * `npx mycel demo`: the whole mission on one machine. Starts a throw-away
 * three-node organisation on loopback (separate processes, homes in a
 * temporary folder), founds it, invites and joins two more nodes, waits for
 * their capability cards, delegates prompts from the third node to the first
 * and (pinned) to the second, shows a delegation the second node's policy
 * denies, verifies all three audit logs, prints a summary, and cleans up,
 * also on Ctrl-C. The model is generated here: nothing is downloaded.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Harness, type MycelProcess } from './mesh/harness.ts'
import { waitFor } from './mesh/wait.ts'
import { makeTestModel } from './make-test-model.ts'
import { ApiClient } from '../node/api/client.ts'
import { homePaths } from '../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../node/policy/defaults.ts'

/** Where the demo prints: the CLI's output satisfies it (the demo stays below the CLI, importing nothing of it). */
export interface DemoOutput {
  line: (text?: string) => void
  error: (text: string) => void
}

export interface DemoOptions {
  out: DemoOutput
  signal: AbortSignal
  /** Keep the homes and nodes for inspection until Ctrl-C. */
  keep?: boolean
}

interface TaskLine { type: string, text?: string, executor?: string, output?: unknown, usage?: { completionTokens?: number }, error?: { code: string, message: string } }

const MODEL = 'tiny'

export async function runDemo (opts: DemoOptions): Promise<number> {
  const { out, signal } = opts
  const h = new Harness()
  const started = performance.now()
  const step = (n: number, text: string): void => { out.line(`\n${n}. ${text}`) }
  const note = (text: string): void => { out.line(`   ${text}`) }
  const onAbort = (): void => { out.error('\nInterrupted: stopping the demo nodes and removing their homes...') }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    out.line('Mycel demo: a three-node organisation on this machine (loopback only, throw-away homes).')

    step(1, 'Generating a small test model (llama architecture, seeded random weights; no download)')
    const dir = await h.tempDir('mycel-demo-')
    const modelPath = join(dir, 'tiny.gguf')
    await makeTestModel({ out: modelPath, size: 'tiny', seed: 42 })
    note(`wrote ${modelPath}`)
    signal.throwIfAborted()

    step(2, 'alpha founds the organisation "demo-org" and starts')
    const alphaHome = await h.found('demo-org', 'alpha')
    await h.ok(alphaHome, ['models', 'add', modelPath, '--name', MODEL])
    const alpha = await h.start(alphaHome)
    const alphaId = (await alpha.status()).peerId
    note(`alpha is ${alphaId}`)
    signal.throwIfAborted()

    step(3, 'alpha invites beta and gamma; each joins with its invite key and starts')
    const betaHome = await h.join(await h.invite(alpha), 'beta')
    await h.ok(betaHome, ['models', 'add', modelPath, '--name', MODEL])
    // beta's own policy: members may run completions, chat and echo here, but not embeddings
    const betaPolicy = defaultFounderPolicy()
    const rule = betaPolicy.rules[0]
    if (rule != null) { rule.kinds = ['llm.complete', 'llm.chat', 'echo']; rule.description = 'Members run completions, chat and echo here (no embeddings).' }
    await writeFile(homePaths(betaHome).policy, formatPolicy(betaPolicy), { mode: 0o600 })
    const beta = await h.start(betaHome)
    const gammaHome = await h.join(await h.invite(alpha), 'gamma')
    const gamma = await h.start(gammaHome)
    const betaId = (await beta.status()).peerId
    const gammaId = (await gamma.status()).peerId
    note(`beta is ${betaId}`)
    note(`gamma is ${gammaId} (no model of its own)`)
    signal.throwIfAborted()

    step(4, 'Waiting until gamma holds verified capability cards of alpha and beta')
    await waitFor(async () => {
      const caps = await gamma.caps()
      const withModel = caps.filter(c => (c.models as Array<{ name: string }>).some(m => m.name === MODEL)).map(c => c.name)
      return withModel.includes('alpha') && withModel.includes('beta') ? true : undefined
    }, { what: 'cards of alpha and beta at gamma', timeoutMs: 60_000 })
    for (const c of await gamma.caps()) note(`${String(c.name).padEnd(6)} ${String(c.peerId).slice(0, 20)}…  kinds ${(c.taskKinds as string[]).join(', ')}; models ${(c.models as Array<{ name: string }>).map(m => m.name).join(', ') || '-'}`)
    const peers = await gamma.peers()
    note(`gamma is connected to ${peers.map(p => p.name ?? p.peerId).join(' and ')}`)

    const prompt = 'The mesh is'
    step(5, `gamma delegates "${prompt}" to alpha (llm.complete, greedy, 24 tokens, encrypted end to end)`)
    const toAlpha = await runTask(gammaHome, { kind: 'llm.complete', model: MODEL, peer: alphaId, input: { model: MODEL, prompt, maxTokens: 24 } }, signal)
    const localOnAlpha = await runTask(alphaHome, { kind: 'llm.complete', model: MODEL, local: true, input: { model: MODEL, prompt, maxTokens: 24 } }, signal)
    note(`output   ${JSON.stringify(toAlpha.output)}`)
    note(`executor alpha; same bytes as alpha running it locally: ${toAlpha.output === localOnAlpha.output ? 'yes' : 'NO'}`)

    step(6, 'gamma pins a chat task to beta (--peer)')
    const toBeta = await runTask(gammaHome, { kind: 'llm.chat', model: MODEL, peer: betaId, input: { model: MODEL, messages: [{ role: 'user', content: 'Hello, beta' }], maxTokens: 16 } }, signal)
    note(`output   ${JSON.stringify(toBeta.output)}`)
    note(`executor ${toBeta.executor === betaId ? 'beta' : String(toBeta.executor)}`)

    step(7, 'gamma asks beta for embeddings, which beta\'s policy does not allow')
    const denied = await runTask(gammaHome, { kind: 'llm.embed', model: MODEL, peer: betaId, input: { model: MODEL, input: ['secret numbers'] } }, signal).then(() => null, (err: Error) => err)
    note(denied != null ? `denied: ${denied.message}` : 'UNEXPECTED: beta ran it')
    const betaAudit = await (await ApiClient.fromHome(betaHome)).get<Array<{ type: string, data: Record<string, unknown> }>>('/api/audit/tail?n=50')
    const denial = betaAudit.filter(e => e.type === 'policy.decision' && e.data.allow === false).pop()
    note(`beta's audit log: ${denial != null ? `policy.decision allow=false rule=${String(denial.data.rule)}` : 'no denial recorded'}`)

    step(8, 'Every node verifies its own audit log (hash chain, Merkle tree, signed checkpoints)')
    const verdicts: string[] = []
    for (const [name, home] of [['alpha', alphaHome], ['beta', betaHome], ['gamma', gammaHome]] as const) {
      const res = await h.cli(home, ['audit', 'verify', '--json'])
      const v = res.json<{ ok: boolean, entries: number }>()
      verdicts.push(`${name} ${v.ok ? 'ok' : 'FAILED'} (${v.entries} entries)`)
    }
    note(verdicts.join(', '))

    const ok = toAlpha.output === localOnAlpha.output && toBeta.executor === betaId && denied != null && denial != null && verdicts.every(v => v.includes(' ok '))
    out.line(`\nSummary: ${ok ? 'everything worked' : 'SOMETHING WENT WRONG (see above)'} in ${((performance.now() - started) / 1000).toFixed(1)} s.`)
    out.line('  - three members joined with invite keys; each admitted the others only after checking their certificates')
    out.line('  - delegated output matched the executor\'s local output byte for byte')
    out.line('  - a policy denial was refused by the executor and written to its audit log')
    out.line('  - all three audit logs verify')
    out.line('Try it on real machines: `mycel init`, `mycel org create NAME`, `mycel start`, `mycel invite create`, `mycel join INVITE`.')
    if (opts.keep === true) {
      out.line(`\nNodes keep running (homes under ${dir} and its siblings); press Ctrl-C to stop and clean up.`)
      await new Promise<void>(resolve => { if (signal.aborted) resolve(); else signal.addEventListener('abort', () => { resolve() }, { once: true }) })
    }
    return ok ? 0 : 1
  } finally {
    signal.removeEventListener('abort', onAbort)
    await h.cleanup()
  }
}

async function runTask (home: string, body: Record<string, unknown>, signal: AbortSignal): Promise<{ output: unknown, executor: string }> {
  const api = await ApiClient.fromHome(home)
  let result: TaskLine | undefined
  for await (const e of api.stream<TaskLine>('/api/tasks', body, signal)) {
    if (e.type === 'error') throw new Error(e.error?.message ?? 'task failed')
    if (e.type === 'result') result = e
  }
  if (result == null) throw new Error('no result')
  return { output: result.output, executor: String(result.executor) }
}

export type { MycelProcess }
