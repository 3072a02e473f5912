/**
 * Routing on fresh signals (issue 16), between in-process nodes on loopback
 * (real libp2p, gossipsub, the membership gate), each figure next to what it
 * is compared with in the same run:
 *
 * - makespan of N tasks of a fixed length from one delegator over K equal
 *   providers, against the ideal (every slot busy from the first task to the
 *   last: ceil(N / (K * slots)) task lengths);
 * - a provider that becomes busy (its slots filled and its queue grown by
 *   tasks of its own) under a steady stream from the delegator: how soon
 *   the delegator's router counts it busy and the last new task routed to
 *   it after; and, with no task of the delegator's on it (so only its load
 *   beat can tell), how soon it is counted busy; each against the card
 *   republish interval that was the only load signal before.
 *
 * The tasks are `bench.sleep`, a kind only this bench registers (on the
 * providers, after start; their policy admits it): it sleeps a fixed time.
 * The delegator does not serve it, so it is never a candidate itself.
 *
 * Reproduce: `npm run bench -- routing`
 */
import { writeFile } from 'node:fs/promises'
import { Harness } from '../../test/helpers/harness.ts'
import { waitFor } from '../../test/helpers/wait.ts'
import { inProcessOrg } from '../../test/tasks/helpers.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { homePaths } from '../../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { object, parse, uint } from '../../protocol/shape.ts'
import { sleep } from '../../node/tasks/sleep.ts'
import { CARD_REPUBLISH_INTERVAL_MS } from '../../node/constants.ts'
import type { TaskKindHandler } from '../../node/tasks/registry.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const KIND = 'bench.sleep'
const PROVIDERS = 3
const SLOTS = 2
const TASKS = 60
const TASK_MS = 2_000
/** The steady stream of the busy-provider run: one task this often, this long each (4 in flight: all the slots two providers have). */
const STREAM_EVERY_MS = 25
const STREAM_TASK_MS = 100
const STREAM_MS = 4_000
const BUSY_AT_MS = 1_500
const MAKESPAN_TARGET = 1.15
const BUSY_TARGET_MS = 1_000

const FILLER_MS = 60_000
/** Fillers past the slots: the busy provider's queue, so its score is clearly worse than a merely full one. */
const FILLER_QUEUE = 4
/** How often the delegator's view of the filled provider is read. */
const SEEN_POLL_MS = 5
const SleepInput = object({ ms: uint({ max: FILLER_MS }) })

/** Sleeps `ms` (bench only: never registered by a node itself). */
function sleepKind (): TaskKindHandler<{ ms: number }> {
  return {
    kind: KIND,
    parseInput: (value) => parse(SleepInput, value, 'sleep input'),
    async run (input, ctx) { await sleep(input.ms, ctx.signal); return { output: 'slept' } }
  }
}

async function benchPolicy (home: string): Promise<void> {
  const policy = defaultFounderPolicy()
  policy.rateLimits.default = null
  policy.rules[0]?.kinds.push(KIND)
  await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
}

async function org (h: Harness): Promise<{ providers: MycelNode[], delegator: MycelNode }> {
  const provider = (name: string): { name: string, init: { executor: { maxRunning: number, maxQueued: number } }, beforeStart: (home: string) => Promise<void> } =>
    ({ name, init: { executor: { maxRunning: SLOTS, maxQueued: 64 } }, beforeStart: benchPolicy })
  const nodes = await inProcessOrg(h, [...Array.from({ length: PROVIDERS }, (_, i) => provider(`provider-${i}`)), { name: 'delegator', beforeStart: benchPolicy }])
  const providers = nodes.slice(0, PROVIDERS)
  const delegator = nodes[PROVIDERS] as MycelNode
  for (const p of providers) { p.services.tasks.register(sleepKind()); await p.services.cards.publish() }
  await waitFor(() => delegator.services.router.candidates({ kind: KIND, dataClass: 'internal' }).length === PROVIDERS, { what: 'every provider card to list the sleep kind', timeoutMs: 30_000 })
  return { providers, delegator }
}

async function makespan (delegator: MycelNode, ms = TASK_MS): Promise<number> {
  const t0 = performance.now()
  await Promise.all(Array.from({ length: TASKS }, async () => await delegator.services.router.run({ kind: KIND, input: { ms } })))
  return performance.now() - t0
}

/**
 * Milliseconds from a provider filling up until the last task routed to it.
 * The provider is the one the stream used most just before (equal members
 * tie on load, and RTT breaks the tie, so one may get few tasks at all).
 */
async function busyCutoff (providers: MycelNode[], delegator: MycelNode): Promise<{ cutoff: number, after: number, seen: number }> {
  const routed = new Map<string, number[]>(providers.map(p => [p.peerId, []]))
  const work = new AbortController()
  const stream: Array<Promise<unknown>> = []
  let busy: MycelNode | undefined
  // busy from the moment its load jumps: a filler for every slot and FILLER_QUEUE more, queued behind what it runs
  let busyAt = Infinity
  let seenAt = Infinity
  const t0 = performance.now()
  const filler = (async () => {
    await sleep(BUSY_AT_MS)
    const recent = (p: MycelNode): number => (routed.get(p.peerId) ?? []).filter(t => t > performance.now() - BUSY_AT_MS / 2).length
    busy = [...providers].sort((a, b) => recent(b) - recent(a))[0] as MycelNode
    busyAt = performance.now()
    const filled = busy
    void waitFor(() => (delegator.services.router.loadOf(filled.peerId)?.work ?? 0) >= SLOTS + FILLER_QUEUE, { what: 'the delegator to see the provider busy', timeoutMs: STREAM_MS, intervalMs: SEEN_POLL_MS })
      .then(() => { seenAt = performance.now() }, () => {})
    return await Promise.all(Array.from({ length: SLOTS + FILLER_QUEUE }, async () => await busy?.services.router.run({ kind: KIND, local: true, input: { ms: FILLER_MS }, signal: work.signal }).catch(() => {})))
  })()
  while (performance.now() - t0 < STREAM_MS) {
    stream.push(delegator.services.router.run({
      kind: KIND, input: { ms: STREAM_TASK_MS }, signal: work.signal,
      onEvent: (e) => { if (e.type === 'routed') routed.get(e.executor)?.push(performance.now()) }
    }).catch(() => {}))
    await sleep(STREAM_EVERY_MS)
  }
  work.abort()
  await Promise.all([filler, ...stream])
  if (busy == null) throw new Error('no provider was filled')
  const late = (routed.get(busy.peerId) ?? []).filter(t => t >= busyAt)
  return { cutoff: late.length > 0 ? Math.max(...late) - busyAt : 0, after: late.length, seen: seenAt - busyAt }
}

/** Milliseconds from an idle provider filling up until the delegator counts it busy, with no task of the delegator's on it: the beat alone. */
async function beatOnly (provider: MycelNode, delegator: MycelNode): Promise<number> {
  const work = new AbortController()
  const t0 = performance.now()
  const filled = Array.from({ length: SLOTS + FILLER_QUEUE }, async () => await provider.services.router.run({ kind: KIND, local: true, input: { ms: FILLER_MS }, signal: work.signal }).catch(() => {}))
  try {
    await waitFor(() => (delegator.services.router.loadOf(provider.peerId)?.work ?? 0) >= SLOTS + FILLER_QUEUE, { what: 'the delegator to see the provider busy', timeoutMs: 10_000, intervalMs: SEEN_POLL_MS })
    return performance.now() - t0
  } finally {
    work.abort()
    await Promise.all(filled)
  }
}

async function run (): Promise<BenchRow[]> {
  const suite = 'routing'
  const h = new Harness()
  try {
    const { providers, delegator } = await org(h)
    // zero-length tasks warm up connections and sessions, and show what the delegation path costs alone
    await makespan(delegator, 0)
    const floor = await makespan(delegator, 0)
    const took = await makespan(delegator)
    const ideal = Math.ceil(TASKS / (PROVIDERS * SLOTS)) * TASK_MS
    const { cutoff, after, seen } = await busyCutoff(providers, delegator)
    const beats: number[] = []
    for (const p of providers) beats.push(await beatOnly(p, delegator))
    const beat = percentile(beats, 50)
    return [
      { suite, name: `makespan, the same ${TASKS} tasks of 0 ms (delegation cost alone, one process)`, value: floor, unit: 'ms' },
      { suite, name: `makespan, ${TASKS} tasks of ${TASK_MS} ms over ${PROVIDERS} providers x ${SLOTS} slots`, value: took, unit: 'ms', baseline: { name: 'ideal', value: ideal }, target: `<= ${MAKESPAN_TARGET}x`, met: took / ideal <= MAKESPAN_TARGET },
      { suite, name: `busy provider: the delegator's router counts it busy after it filled`, value: seen, unit: 'ms', baseline: { name: 'card republish interval', value: CARD_REPUBLISH_INTERVAL_MS }, target: `<= ${BUSY_TARGET_MS} ms`, met: seen <= BUSY_TARGET_MS },
      { suite, name: `busy provider with no task of the delegator's on it (load beat only): counted busy after, median of ${PROVIDERS}`, value: beat, unit: 'ms', baseline: { name: 'card republish interval', value: CARD_REPUBLISH_INTERVAL_MS }, target: `<= ${BUSY_TARGET_MS} ms`, met: beat <= BUSY_TARGET_MS },
      { suite, name: `busy provider: last new task routed to it after it filled (${after} tasks then)`, value: cutoff, unit: 'ms', baseline: { name: 'card republish interval', value: CARD_REPUBLISH_INTERVAL_MS }, target: `<= ${BUSY_TARGET_MS} ms`, met: cutoff <= BUSY_TARGET_MS }
    ]
  } finally {
    await h.cleanup()
  }
}

export const routing: BenchSuite = { name: 'routing', run }
