/**
 * A task no member offers, handed to the router's fallback (the cloud, which
 * applies the policy itself): listed with the delegated tasks, its executor
 * `cloud`. A fallback that throws the `noCandidate` error it was given
 * declined the task, which then was never its own and is not listed.
 */
import type { DataClass } from '../../../protocol/task/messages.ts'
import type { TaskSummary } from '../executor/executor.ts'
import type { TaskOutput } from '../registry.ts'
import type { NoCandidateError } from '../errors.ts'
import { CLOUD_EXECUTOR } from '../constants.ts'
import { settle } from './outcome.ts'
import type { RouterComponents, RunResult, RunSpec } from './spec.ts'

export async function viaFallback (fallback: NonNullable<RouterComponents['fallback']>, spec: RunSpec, dataClass: DataClass, taskId: string, noCandidate: NoCandidateError, remember: (s: TaskSummary) => void): Promise<RunResult> {
  const summary: TaskSummary = { taskId, kind: spec.kind, ...(spec.model != null ? { model: spec.model } : {}), role: 'delegator', peer: CLOUD_EXECUTOR, executor: CLOUD_EXECUTOR, state: 'working', createdAt: Date.now(), updatedAt: Date.now() }
  let out: TaskOutput
  try {
    out = await fallback.serve({
      kind: spec.kind, input: spec.input, dataClass, taskId,
      ...(spec.model != null ? { model: spec.model } : {}),
      ...(spec.signal != null ? { signal: spec.signal } : {}),
      ...(spec.onEvent != null ? { onText: (text: string) => { spec.onEvent?.({ type: 'text', text }) } } : {})
    }, noCandidate)
  } catch (err) {
    // not configured, or not for this kind or model: the task was never the fallback's
    if (err === noCandidate) throw err
    remember(summary)
    throw settle(summary, spec.signal?.aborted === true ? 'canceled' : 'failed', err as Error)
  }
  remember(summary)
  summary.state = 'completed'
  summary.updatedAt = Date.now()
  return { taskId, executor: CLOUD_EXECUTOR, output: out.output, ...(out.usage != null ? { usage: out.usage } : {}), ...(out.finishReason != null ? { finishReason: out.finishReason } : {}), attempts: 1 }
}
