/**
 * One attempt on a remote executor: the outbound policy decision, the
 * signed and sealed request, the audit entries that are written while it
 * travels and must be on disk before any output is taken, and the exchange
 * itself. A stream that breaks or stalls
 * is re-attached once (the executor may still be running the task); the
 * output already received is not asked for again.
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from '../../logger.ts'
import { encodeCbor } from '../../../protocol/cbor.ts'
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import { encodeTaskRequest, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE, type DataClass, type TaskRequest } from '../../../protocol/task/messages.ts'
import { sealSession } from '../../../protocol/e2e/index.ts'
import { encodeSignedRecord, signRecord } from '../../../identity/signed-record.ts'
import type { Ed25519KeyPair } from '../../../identity/keys.ts'
import type { PolicyEngine } from '../../policy/engine.ts'
import type { AuditLog } from '../../audit/log.ts'
import { digest } from '../../audit/entry.ts'
import { LAZY } from '../../audit/constants.ts'
import type { TaskOutput } from '../registry.ts'
import { PolicyDeniedError } from '../errors.ts'
import { REATTACH_DIAL_PAUSE_MS, REATTACH_DIALS, REQUEST_TTL_MS } from '../constants.ts'
import { sleep } from '../sleep.ts'
import type { ClientEvent, TaskClient } from '../wire/client.ts'
import { TaskClientError } from '../wire/errors.ts'
import { ownChainAuditData } from '../chain/index.ts'

export interface RemoteComponents {
  logger: Logger
  self: string
  orgId: string
  key: Ed25519KeyPair
  memberGroups: (peerId: string) => string[] | undefined
  policy: PolicyEngine
  audit: AuditLog
  client: TaskClient
}

export interface RemoteTask {
  kind: string
  model?: string
  input: Record<string, unknown>
  collection?: string
  tool?: string
  dataClass: DataClass
  taskId: string
  signal?: AbortSignal
  /** Output text as it arrives, decoded across re-attaches. */
  onText: (text: string) => void
  /** The delegation chain, its last link made for this executor and task. */
  chain?: Uint8Array[]
}

export async function runRemote (c: RemoteComponents, peer: string, card: CapabilityCard, task: RemoteTask): Promise<TaskOutput> {
  const { taskId, signal } = task
  const decision = c.policy.decide({
    peerId: peer, groups: c.memberGroups(peer) ?? [], kind: task.kind, dataClass: task.dataClass, direction: 'outbound',
    ...(task.model != null ? { model: task.model } : {}),
    ...(task.tool != null ? { tool: task.tool } : {}),
    ...(task.collection != null ? { collection: task.collection } : {})
  })
  const audited = c.audit.append({ type: 'policy.decision', actor: c.self, peer, task: taskId, data: { allow: decision.allow, rule: decision.rule, direction: 'outbound', kind: task.kind, ...(task.tool != null ? { tool: task.tool } : {}) } })
  if (!decision.allow) { await audited; throw new PolicyDeniedError(decision.reason, decision.rule) }

  const session = sealSession(card.encryptionKey, { org: c.orgId, taskId, delegator: c.self, executor: peer })
  const now = Date.now()
  const req: TaskRequest = {
    v: 1, org: c.orgId, audience: peer, from: c.self,
    msgId: randomBytes(16).toString('hex'), taskId, issuedAt: now, expiresAt: now + REQUEST_TTL_MS,
    kind: task.kind, dataClass: task.dataClass, enc: session.enc, input: session.seal(encodeCbor(task.input), 0),
    ...(task.model != null ? { model: task.model } : {}),
    ...(task.collection != null ? { collection: task.collection } : {}),
    ...(task.tool != null ? { tool: task.tool } : {}),
    ...(task.chain != null ? { chain: task.chain } : {})
  }
  const request = encodeSignedRecord(signRecord(c.key, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE, encodeTaskRequest(req)))
  // the decision and the sent entry go to disk in one write while the request travels: no
  // output is taken, nor the task settled, before that write is done
  const sent = Promise.all([audited, c.audit.append({ type: 'task.sent', actor: c.self, peer, task: taskId, data: { kind: task.kind, model: task.model ?? null, dataClass: task.dataClass, msgId: req.msgId, input: digest(req.input), ...(task.tool != null ? { tool: task.tool } : {}), ...(task.chain != null ? ownChainAuditData(task.chain) : {}) } })])
  sent.catch(() => {})

  let lastSeq = 0
  const decoder = new TextDecoder()
  const consume = async (events: AsyncGenerator<ClientEvent>): Promise<TaskOutput> => {
    for await (const e of events) {
      await sent
      lastSeq = e.seq
      if (e.type === 'result') return e.output
      task.onText(decoder.decode(e.data, { stream: true }))
    }
    throw new TaskClientError('closed', `${peer} ended the task without a result`)
  }
  const done = async (output: TaskOutput, reattached: boolean): Promise<TaskOutput> => {
    // the receipt records what arrived; holding the output for a disk write of its own cost every
    // delegated task a round trip to the thread pool and protected nothing: the executor's log has
    // the result already, a failed write stops this log from taking more, and a stop writes it out
    c.audit.append({ type: 'task.result', actor: c.self, peer, task: taskId, data: { output: digest(encodeCbor(output)), state: 'completed', ...(reattached ? { reattached } : {}) } }, LAZY)
      .catch((err: Error) => { c.logger('the receipt of %s was not written: %s', taskId, err.message) })
    return output
  }
  try {
    return await done(await consume(c.client.submit(peer, request, session, signal != null ? { signal } : {})), false)
  } catch (err) {
    const broken = err instanceof TaskClientError && (err.code === 'closed' || err.code === 'stalled')
    if (!broken || signal?.aborted === true) {
      // a request whose sent entry could not be written is stopped at the executor too
      if (!(err instanceof TaskClientError)) void c.client.cancel(peer, taskId)
      throw await noteFailure(c, peer, taskId, err, signal)
    }
    c.logger('stream to %s broke (%s); re-attaching to %s after seq %d', peer, (err as Error).message, taskId, lastSeq)
  }
  // the broken connection may linger in the connection manager a moment; a dial that fails is tried again
  for (let dial = 1; ; dial++) {
    try {
      return await done(await consume(c.client.attach(peer, taskId, session, { afterSeq: lastSeq, ...(signal != null ? { signal } : {}) })), true)
    } catch (err) {
      if (err instanceof TaskClientError && err.code === 'dial' && dial < REATTACH_DIALS) {
        await sleep(REATTACH_DIAL_PAUSE_MS * dial, signal).catch(() => {})
        continue
      }
      void c.client.cancel(peer, taskId)
      throw await noteFailure(c, peer, taskId, err, signal)
    }
  }
}

async function noteFailure (c: RemoteComponents, peer: string, taskId: string, err: unknown, signal?: AbortSignal): Promise<unknown> {
  if (signal?.aborted === true) void c.client.cancel(peer, taskId)
  const code = err instanceof TaskClientError ? err.wireCode : (err as { code?: string }).code ?? 'unavailable'
  await c.audit.append({ type: 'task.state', actor: c.self, peer, task: taskId, data: { state: code === 'canceled' ? 'canceled' : 'failed', code } }).catch(() => {})
  return err
}
