/**
 * Session turn time to first token: a turn in a session with 2,000 tokens
 * of history against a turn with none, side by side on one node with the
 * bench model (a 2,048-token window, byte-level tokenizer). The session's
 * history is more than its window holds, so the node fits it: a running
 * summary, recalled turns and the recent ones; the row's name gives the
 * prompt size the turn actually sent. Until a session's sequence stays
 * resident (KV reuse), every turn evaluates its whole prompt, and this row
 * shows what that costs.
 *
 * Reproduce: `npm run bench -- sessions`
 */
import { Harness } from '../../test/helpers/harness.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { benchModelPath } from './runtime.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const HISTORY_TOKENS = 2000
const RUNS = 5
/** ~200 bytes, i.e. ~200 tokens of the byte-level bench model. */
const FILLER = 'The quarterly plan covers hiring, the new office lease, the build farm, travel budgets and the audit schedule; each item has an owner, a due date and a note on what it depends on. '

async function ttft (node: MycelNode, session: string, agent: string, text: string): Promise<{ ms: number, promptTokens: number }> {
  const start = performance.now()
  let first: number | undefined
  const r = await node.services.sessions.turn({ session, agent, messages: [{ role: 'user', content: text }], model: 'bench', sampling: { maxTokens: 4, temperature: 0 }, onEvent: e => { if (e.type === 'text') first ??= performance.now() } })
  return { ms: (first ?? performance.now()) - start, promptTokens: r.usage?.promptTokens ?? 0 }
}

async function run (): Promise<BenchRow[]> {
  const suite = 'sessions'
  const h = new Harness()
  try {
    // a 4,096-token context: 2,000 tokens of history then fit with room, as they would on a real model
    const modelPath = await benchModelPath({ context: 4096 })
    const home = await h.found('acme', 'bench', { inProcess: true })
    await h.ok(home, ['models', 'add', modelPath, '--name', 'bench'], { inProcess: true })
    const node = await h.node(home, { runtime: { keepAliveMs: 600_000 } })
    // history: user turns of ~200 tokens until 2,000 tokens are kept
    let kept = 0
    for (let i = 0; kept < HISTORY_TOKENS; i++) {
      await node.services.sessions.turn({ session: 'long', agent: 'bench', messages: [{ role: 'user', content: `Note ${i}: ${FILLER}` }], model: 'bench', sampling: { maxTokens: 4, temperature: 0 } })
      kept += Buffer.byteLength(`Note ${i}: ${FILLER}`) + 4
    }
    await ttft(node, 'warm', 'bench-empty', 'warm up')
    const runtime = node.services.runtime
    if (runtime == null) throw new Error('the bench node has no runtime')
    const withHistory: number[] = []
    const cold: number[] = []
    const without: number[] = []
    let prompt = 0
    let bare = 0
    let reused = 0
    for (let i = 0; i < RUNS; i++) {
      // cold: the model reloaded (not timed), so no sequence holds the session's history
      await runtime.unload('bench')
      await runtime.load('bench')
      cold.push((await ttft(node, 'long', 'bench', `Cold question ${i}: who owns the lease?`)).ms)
      // resident: the turn right after another one of the same session
      const before = runtime.stats().promptTokens.reused
      const a = await ttft(node, 'long', 'bench', `Question ${i}: who owns the lease?`)
      reused = runtime.stats().promptTokens.reused - before
      // a fresh session under an agent of its own: nothing to recall either
      const b = await ttft(node, `empty-${i}`, `bench-empty-${i}`, `Question ${i}: who owns the lease?`)
      withHistory.push(a.ms); without.push(b.ms); prompt = a.promptTokens; bare = b.promptTokens
    }
    const w = percentile(withHistory, 50)
    const c = percentile(cold, 50)
    return [{
      suite,
      name: `session next turn TTFT, ${HISTORY_TOKENS}-token history resident (prompt ${prompt} tok, ${reused} reused)`,
      value: w,
      unit: 'ms',
      baseline: { name: 'the same turn cold', value: c },
      target: '<= 0.25x',
      met: w <= 0.25 * c
    }, {
      suite,
      name: `session turn TTFT, ${HISTORY_TOKENS}-token history resident (prompt ${prompt} tok)`,
      value: w,
      unit: 'ms',
      baseline: { name: `no history (prompt ${bare} tok)`, value: percentile(without, 50) }
    }]
  } finally {
    await h.cleanup()
  }
}

export const sessions: BenchSuite = { name: 'sessions', run }
