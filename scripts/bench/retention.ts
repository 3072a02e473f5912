/**
 * Memory of an executing node after 1,000 delegated tasks of 1 MB: the RSS
 * of the process before, right after, and after the executor's retention
 * sweep has dropped the finished tasks (issue 10's benchmark row).
 *
 * Two in-process nodes on loopback (the harness's real libp2p, level and
 * audit log), rate limits off; each task is an `echo` whose prompt is 1 MB,
 * so the executor keeps about 1 MB of output per finished task, within its
 * retained-bytes budget (TASK_RETAINED_MAX_BYTES, the default, in force).
 * Retention is shortened to RETENTION_MS through the executor's
 * `retentionMs` init so that the explicit `sweep()` after it drops every
 * finished task, without waiting the default ten minutes. RSS is read after
 * a full garbage collection, so it shows what is still held, not what the
 * collector has not reached yet.
 * Reproduce with `npm run bench -- retention`.
 */
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Harness } from '../../test/helpers/harness.ts'
import { waitFor } from '../../test/helpers/wait.ts'
import { homePaths } from '../../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { TASK_RETAINED_MAX_BYTES } from '../../node/tasks/constants.ts'
import type { BenchRow, BenchSuite } from './table.ts'

const TASKS = 1000
/** 1 MB (decimal): the largest round size under the task input limit of 1 MiB with its encoding. */
const TASK_BYTES = 1_000_000
const RETENTION_MS = 5_000
const MIB = 1024 * 1024

function gc (): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

function rssMiB (): number {
  gc()
  return process.memoryUsage().rss / MIB
}

export const retention: BenchSuite = {
  name: 'retention',
  async run (): Promise<BenchRow[]> {
    const h = new Harness()
    try {
      const noLimits = async (home: string): Promise<void> => {
        const policy = defaultFounderPolicy()
        policy.rateLimits.default = null
        await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
      }
      const aHome = await h.found('bench', 'executor', { inProcess: true })
      await noLimits(aHome)
      const executor = await h.node(aHome, { runtime: false, executor: { retentionMs: RETENTION_MS } })
      const bHome = await h.join(await h.invite(aHome, { inProcess: true }), 'delegator', { inProcess: true })
      await noLimits(bHome)
      const delegator = await h.node(bHome, { runtime: false })
      await waitFor(() => delegator.services.cards.card(executor.peerId) != null && delegator.services.gate.member(executor.peerId) != null && executor.services.gate.member(delegator.peerId) != null,
        { what: 'the two bench nodes to mesh', timeoutMs: 60_000 })
      const run = async (prompt: string): Promise<void> => { await delegator.services.router.run({ kind: 'echo', peer: executor.peerId, input: { prompt } }) }
      const big = randomBytes(TASK_BYTES / 2).toString('hex')
      // warm-up: code paths, buffers and connections exist before the first figure
      for (let i = 0; i < 20; i++) await run(big)
      await sleep(RETENTION_MS * 2 + 1000)
      const before = rssMiB()
      let peak = before
      for (let i = 0; i < TASKS; i++) {
        await run(big)
        if (i % 100 === 99) peak = Math.max(peak, process.memoryUsage().rss / MIB)
      }
      const after = rssMiB()
      const keptAfter = executor.services.executor.retained()
      // past the retention period every finished task is old enough for sweep() to drop
      await sleep(RETENTION_MS + 1000)
      executor.services.executor.sweep()
      const keptSwept = executor.services.executor.retained()
      const swept = rssMiB()
      const label = `${TASKS.toLocaleString('en-US')} echo tasks of 1 MB, two in-process nodes`
      return [
        { suite: 'retention', name: `RSS before ${label}`, value: before, unit: 'MiB' },
        { suite: 'retention', name: `RSS right after them (peak while running: ${Math.round(peak)} MiB)`, value: after, unit: 'MiB', baseline: { name: 'before', value: before } },
        { suite: 'retention', name: `RSS after sweep() (retentionMs ${RETENTION_MS / 1000} s)`, value: swept, unit: 'MiB', baseline: { name: 'before', value: before } },
        { suite: 'retention', name: `output bytes retained() right after them (${keptAfter.tasks} tasks)`, value: keptAfter.bytes / MIB, unit: 'MiB', baseline: { name: 'budget', value: TASK_RETAINED_MAX_BYTES / MIB } },
        { suite: 'retention', name: `output bytes retained() after sweep() (${keptSwept.tasks} tasks)`, value: keptSwept.bytes / MIB, unit: 'MiB' }
      ]
    } finally {
      await h.cleanup()
    }
  }
}
