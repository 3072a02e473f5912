/**
 * Routing on fresh signals (issue 16), between in-process nodes on loopback
 * (real libp2p, gossipsub, the membership gate), each figure next to what it
 * is compared with in the same run:
 *
 * - makespan of N tasks of a fixed length from one delegator over K equal
 *   providers, against the ideal (every slot busy from the first task to the
 *   last: ceil(N / (K * slots)) task lengths);
 * - how long a provider that becomes busy (its slots filled by tasks of its
 *   own) keeps receiving new tasks from a steady stream, against the card
 *   republish interval that was the only load signal before load beats.
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
import type { BenchRow, BenchSuite } from './table.ts'

const KIND = 'bench.sleep'
const PROVIDERS = 3
const SLOTS = 2
const TASKS = 60
const TASK_MS = 1_000
/** The steady stream of the busy-provider run: one task this often, this long each. */
const STREAM_EVERY_MS = 25
const STREAM_TASK_MS = 100
const STREAM_MS = 4_000
const BUSY_AT_MS = 1_500
const MAKESPAN_TARGET = 1.15
const BUSY_TARGET_MS = 1_000

const FILLER_MS = 60_000
const SleepInput = object({ ms: uint({ max: FILLER_MS }) })

/** Sleeps `ms` (bench only: never registered by a node itself); says when a filler starts running. */
function sleepKind (onFiller: () => void): TaskKindHandler<{ ms: number }> {
  return {
    kind: KIND,
    parseInput: (value) => parse(SleepInput, value, 'sleep input'),
    async run (input, ctx) {
      if (input.ms === FILLER_MS) onFiller()
      await sleep(input.ms, ctx.signal)
      return { output: 'slept' }
    }
  }
}

async function benchPolicy (home: string): Promise<void> {
  const policy = defaultFounderPolicy()
  policy.rateLimits.default = null
  policy.rules[0]?.kinds.push(KIND)
  await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
}

/** Fillers started on each provider (the busy run counts when its slots all hold one). */
const fillers = new Map<string, number[]>()

async function org (h: Harness): Promise<{ providers: MycelNode[], delegator: MycelNode }> {
  const provider = (name: string): { name: string, init: { executor: { maxRunning: number, maxQueued: number } }, beforeStart: (home: string) => Promise<void> } =>
    ({ name, init: { executor: { maxRunning: SLOTS, maxQueued: 64 } }, beforeStart: benchPolicy })
  const nodes = await inProcessOrg(h, [...Array.from({ length: PROVIDERS }, (_, i) => provider(`provider-${i}`)), { name: 'delegator', beforeStart: benchPolicy }])
  const providers = nodes.slice(0, PROVIDERS)
  const delegator = nodes[PROVIDERS] as MycelNode
  for (const p of providers) {
    const started: number[] = []
    fillers.set(p.peerId, started)
    p.services.tasks.register(sleepKind(() => { started.push(performance.now()) }))
    await p.services.cards.publish()
  }
  await waitFor(() => delegator.services.router.candidates({ kind: KIND, dataClass: 'internal' }).length === PROVIDERS, { what: 'every provider card to list the sleep kind', timeoutMs: 30_000 })
  return { providers, delegator }
}

async function makespan (delegator: MycelNode, ms = TASK_MS): Promise<number> {
  const t0 = performance.now()
  await Promise.all(Array.from({ length: TASKS }, async () => await delegator.services.router.run({ kind: KIND, input: { ms } })))
  return performance.now() - t0
}

/** Milliseconds from a provider filling up until the last task routed to it. */
async function busyCutoff (providers: MycelNode[], delegator: MycelNode): Promise<{ cutoff: number, after: number }> {
  const busy = providers[0] as MycelNode
  const routed: number[] = []
  const work = new AbortController()
  const stream: Array<Promise<unknown>> = []
  const t0 = performance.now()
  const filler = (async () => {
    await sleep(BUSY_AT_MS)
    return await Promise.all(Array.from({ length: SLOTS }, async () => await busy.services.router.run({ kind: KIND, local: true, input: { ms: FILLER_MS }, signal: work.signal }).catch(() => {})))
  })()
  while (performance.now() - t0 < STREAM_MS) {
    stream.push(delegator.services.router.run({
      kind: KIND, input: { ms: STREAM_TASK_MS }, signal: work.signal,
      onEvent: (e) => { if (e.type === 'routed' && e.executor === busy.peerId) routed.push(performance.now()) }
    }).catch(() => {}))
    await sleep(STREAM_EVERY_MS)
  }
  work.abort()
  await Promise.all([filler, ...stream])
  // busy from the moment its last slot holds a filler
  const busyAt = (fillers.get(busy.peerId) ?? [])[SLOTS - 1] ?? Infinity
  const late = routed.filter(t => t >= busyAt)
  return { cutoff: late.length > 0 ? Math.max(...late) - busyAt : 0, after: late.length }
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
    const { cutoff, after } = await busyCutoff(providers, delegator)
    return [
      { suite, name: `makespan, the same ${TASKS} tasks of 0 ms (delegation cost alone, one process)`, value: floor, unit: 'ms' },
      { suite, name: `makespan, ${TASKS} tasks of ${TASK_MS} ms over ${PROVIDERS} providers x ${SLOTS} slots`, value: took, unit: 'ms', baseline: { name: 'ideal', value: ideal }, target: `<= ${MAKESPAN_TARGET}x`, met: took / ideal <= MAKESPAN_TARGET },
      { suite, name: `busy provider: last new task routed to it after it filled (${after} then)`, value: cutoff, unit: 'ms', baseline: { name: 'card republish interval', value: CARD_REPUBLISH_INTERVAL_MS }, target: `<= ${BUSY_TARGET_MS} ms`, met: cutoff <= BUSY_TARGET_MS }
    ]
  } finally {
    await h.cleanup()
  }
}

export const routing: BenchSuite = { name: 'routing', run }
