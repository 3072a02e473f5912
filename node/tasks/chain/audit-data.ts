/**
 * What the audit log says of a chained task: ids and a digest, never the
 * scope's or the task's content. Both sides write the same keys (the
 * delegator on `task.sent`, the executor on `task.received`), so
 * `mycel audit trace` links parent and child from either.
 */
import { decodeLinkPayload, type ChainLink } from '../../../protocol/chain/index.ts'
import { decodeSignedRecord } from '../../../identity/signed-record.ts'
import { MAX_CHAIN_LINK_BYTES } from '../../../protocol/task/messages.ts'
import { digest, type AuditValue } from '../../audit/entry.ts'

export function chainAuditData (last: ChainLink, record: Uint8Array): Record<string, AuditValue> {
  return {
    parentTask: last.parent ?? null,
    chainOrigin: last.origin,
    chainDepth: last.depth,
    chainAgent: last.agent?.name ?? null,
    chain: digest(record)
  }
}

/** The audit data of a chain this node made (so already trusted): decoded, not verified again. */
export function ownChainAuditData (links: readonly Uint8Array[]): Record<string, AuditValue> {
  const record = links[links.length - 1] as Uint8Array
  return chainAuditData(decodeLinkPayload(decodeSignedRecord(record, MAX_CHAIN_LINK_BYTES).payload), record)
}
