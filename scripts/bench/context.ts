/**
 * Context as a resource: time to first token of a chat turn whose history
 * the model already evaluated (its sequence still resident), next to the
 * same turn evaluated cold, on the generated `bench` model with about 1,900
 * tokens of history (its context is 2,048). Target: warm <= 0.25x cold.
 * Also the prompt tokens the runtime took from resident state.
 *
 * Reproduce with `npm run bench -- context`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ModelRegistry, runtime as createRuntime } from '../../node/runtime/index.ts'
import { benchModelPath } from './runtime.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const ROUNDS = 5
const HISTORY_CHARS = 1_850


type Msg = { role: 'system' | 'user' | 'assistant', content: string }

/** A conversation of about `chars` characters (the bench model's tokens are bytes), different per round. */
function history (round: number, chars: number): Msg[] {
  const out: Msg[] = []
  let n = 0
  for (let i = 0; n < chars; i++) {
    const content = `Round ${round}, note ${i}: the mesh moved the nightly report to node ${(i * 7 + round) % 13}.`
    out.push({ role: i % 2 === 0 ? 'user' : 'assistant', content })
    n += content.length + 16
  }
  if (out.at(-1)?.role === 'user') out.push({ role: 'assistant', content: 'Noted.' })
  return out
}

async function contextRows (): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mycel-bench-context-'))
  const registry = new ModelRegistry({ dir })
  await registry.add(await benchModelPath(), { name: 'bench' })
  // the generated model has no template of its own: ChatML through a copy registered with one is not needed,
  // the runtime's fallback chat format renders the history all the same
  const rt = createRuntime({ keepAliveMs: 600_000, sequences: 2 })({ registry })
  await rt.start()
  const ttft = async (messages: Msg[]): Promise<number> => {
    const start = performance.now()
    let first: number | undefined
    await rt.chat({ model: 'bench', messages, maxTokens: 4, onText: () => { first ??= performance.now() } })
    return (first ?? performance.now()) - start
  }
  try {
    await rt.load('bench')
    const cold: number[] = []
    const warm: number[] = []
    let reused = 0
    let evaluated = 0
    for (let r = 0; r < ROUNDS; r++) {
      const past = history(r, HISTORY_CHARS)
      const next: Msg[] = [...past, { role: 'user', content: `Round ${r}: where is the report now?` }]
      // cold: a history no resident sequence holds
      cold.push(await ttft(next))
      // warm: the same history evaluated by the turn before (what a session's previous turn leaves)
      await rt.unload('bench')
      await rt.load('bench')
      await ttft(past.slice(0, -1))
      const before = rt.stats().promptTokens
      warm.push(await ttft(next))
      const after = rt.stats().promptTokens
      reused += after.reused - before.reused
      evaluated += after.evaluated - before.evaluated
    }
    const c = percentile(cold, 50)
    const w = percentile(warm, 50)
    return [
      { suite: 'context', name: 'turn TTFT, ~1,900 tokens of history resident (p50)', value: w, unit: 'ms', baseline: { name: 'same turn cold', value: c }, target: '<= 0.25x', met: w <= 0.25 * c },
      { suite: 'context', name: 'prompt tokens taken from resident state, warm turns', value: reused / Math.max(1, reused + evaluated) * 100, unit: '%' }
    ]
  } finally {
    await rt.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

export const context: BenchSuite = { name: 'context', run: contextRows }
