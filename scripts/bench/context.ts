/**
 * Context as a resource: time to first token of a chat turn whose history
 * the model already evaluated (its sequence still resident), next to the
 * same turn evaluated cold, on the generated `bench` model with about 1,900
 * tokens of history (its context is 2,048). Target: warm <= 0.25x cold.
 * Also the prompt tokens the runtime took from resident state, and the
 * same turn restored from a state saved to disk (its model unloaded and
 * loaded again in between), next to cold.
 *
 * Reproduce with `npm run bench -- context`.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
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
  const stateDir = join(dir, 'kv-states')
  const rt = createRuntime({ keepAliveMs: 600_000, sequences: 2 })({ registry })
  // its own runtime, so that no state saved on an unload of `rt` stands in for a resident or cold turn
  const diskRt = createRuntime({ keepAliveMs: 600_000, sequences: 2, stateDir })({ registry })
  await rt.start()
  await diskRt.start()
  const ttft = async (messages: Msg[], on = rt): Promise<number> => {
    const start = performance.now()
    let first: number | undefined
    await on.chat({ model: 'bench', messages, maxTokens: 4, onText: () => { first ??= performance.now() } })
    return (first ?? performance.now()) - start
  }
  try {
    await rt.load('bench')
    const cold: number[] = []
    const warm: number[] = []
    const disk: number[] = []
    let reused = 0
    let evaluated = 0
    let restored = 0
    let restoredOf = 0
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
      // disk: the previous turn's state, saved by the unload, restored by the reloaded model
      await ttft(past.slice(0, -1), diskRt)
      await diskRt.unload('bench')
      await diskRt.load('bench')
      const b = diskRt.stats().promptTokens
      disk.push(await ttft(next, diskRt))
      const a = diskRt.stats().promptTokens
      restored += a.restored - b.restored
      restoredOf += a.restored - b.restored + a.reused - b.reused + a.evaluated - b.evaluated
    }
    const stateBytes = await folderBytes(stateDir)
    const c = percentile(cold, 50)
    const w = percentile(warm, 50)
    const d = percentile(disk, 50)
    return [
      { suite: 'context', name: 'turn TTFT, ~1,900 tokens of history resident (p50)', value: w, unit: 'ms', baseline: { name: 'same turn cold', value: c }, target: '<= 0.25x', met: w <= 0.25 * c },
      { suite: 'context', name: 'prompt tokens taken from resident state, warm turns', value: reused / Math.max(1, reused + evaluated) * 100, unit: '%' },
      { suite: 'context', name: 'turn TTFT, same history restored from disk (p50)', value: d, unit: 'ms', baseline: { name: 'same turn cold', value: c }, target: '<= 0.25x', met: d <= 0.25 * c },
      { suite: 'context', name: 'prompt tokens restored from disk, disk turns', value: restored / Math.max(1, restoredOf) * 100, unit: '%' },
      { suite: 'context', name: 'saved context states on disk after the run', value: stateBytes / 1024 ** 2, unit: 'MiB' }
    ]
  } finally {
    await rt.stop()
    await diskRt.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Bytes of the files under `dir`, one level of subfolders deep (the state store's layout). */
async function folderBytes (dir: string): Promise<number> {
  let n = 0
  for (const d of await readdir(dir).catch(() => [] as string[])) {
    for (const f of await readdir(join(dir, d)).catch(() => [] as string[])) n += (await stat(join(dir, d, f))).size
  }
  return n
}

export const context: BenchSuite = { name: 'context', run: contextRows }
