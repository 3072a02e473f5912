/**
 * One attempt of a task on one candidate: on this node through the
 * executor, or on a member through `runRemote`, each with its own last
 * chain link (bound to that executor, used once). Tasks open on each member
 * are counted while they run, so ranking sees them before the member's next
 * load figure does.
 */
import type { CapabilityCard } from '../../../protocol/cards/card.ts'
import type { DataClass } from '../../../protocol/task/messages.ts'
import { extendChain } from '../../../protocol/chain/index.ts'
import { chainCrypto, nodeLinkSigner } from '../../../identity/chain-crypto.ts'
import type { TaskOutput } from '../registry.ts'
import type { TaskClient } from '../wire/client.ts'
import type { Candidate } from './candidates.ts'
import type { Delivery } from './delivery.ts'
import { runRemote } from './remote.ts'
import type { RouterComponents, RunSpec } from './spec.ts'

/** Tasks this node has open on each member now. */
export class OpenTasks {
  private readonly open = new Map<string, number>()

  count (peer: string): number {
    return this.open.get(peer) ?? 0
  }

  /** Counts a task on `peer` while `work` runs. */
  async during<T> (peer: string, work: () => Promise<T>): Promise<T> {
    this.open.set(peer, this.count(peer) + 1)
    try {
      return await work()
    } finally {
      const n = (this.open.get(peer) ?? 1) - 1
      if (n <= 0) this.open.delete(peer)
      else this.open.set(peer, n)
    }
  }
}

export interface AttemptParts {
  c: RouterComponents
  self: string
  client: TaskClient
  open: OpenTasks
}

export async function attempt (parts: AttemptParts, cand: Candidate, spec: RunSpec, dataClass: DataClass, taskId: string, delivery: Delivery): Promise<TaskOutput> {
  const { c, self } = parts
  const onText = (t: string): void => { delivery.push(t) }
  // each attempt gets its own last link: bound to this executor, used once
  const chain = spec.chain != null ? extendChain({ org: c.orgId, self, audience: cand.peerId, taskId, request: spec.chain, node: nodeLinkSigner(c.key), crypto: chainCrypto }) : undefined
  if (cand.local) {
    return await c.executor.runLocal({
      kind: spec.kind, input: spec.input, dataClass, taskId, priority: spec.priority ?? 'interactive', ...(spec.signal != null ? { signal: spec.signal } : {}), onText,
      ...(chain != null ? { chain, ...(spec.model != null ? { model: spec.model } : {}), ...(spec.tool != null ? { tool: spec.tool } : {}), ...(spec.collection != null ? { collection: spec.collection } : {}) } : {})
    })
  }
  return await parts.open.during(cand.peerId, async () => await runRemote({ ...c, self, client: parts.client }, cand.peerId, cand.card as CapabilityCard, {
    kind: spec.kind, input: spec.input, dataClass, taskId, onText,
    ...(spec.model != null ? { model: spec.model } : {}),
    ...(spec.collection != null ? { collection: spec.collection } : {}),
    ...(spec.tool != null ? { tool: spec.tool } : {}),
    ...(spec.signal != null ? { signal: spec.signal } : {}),
    ...(chain != null ? { chain } : {})
  }))
}
