/**
 * The witness service over the node's parts: its store in the node
 * database, the membership gate for who may witness and be witnessed, and
 * the node's own audit log as the log it offers.
 */
import type { AbstractLevel } from 'abstract-level'
import { createLogger } from '../logger.ts'
import type { MembershipGate } from '../membership/gate.ts'
import type { MycelHost } from '../net/host.ts'
import type { ObservedAuditLog } from '../metrics/observed-audit-log.ts'
import type { VerifyFn } from '../audit/index.ts'
import { verifyAgainstWitnesses, witnessService, WitnessStore, type PeerVerifyResult, type WitnessInit, type WitnessService } from '../witness/index.ts'

export interface NodeWitnessParts {
  db: AbstractLevel<any, any, any>
  host: MycelHost
  gate: MembershipGate
  audit: ObservedAuditLog
  self: string
  publicKey: Uint8Array
  verify: VerifyFn
}

export function nodeWitness (parts: NodeWitnessParts, init: WitnessInit = {}): { witness: WitnessService, verifyPeers: () => Promise<PeerVerifyResult> } {
  const { gate, audit } = parts
  const members = (): string[] => gate.listMembers().map(m => m.peerId)
  const witness = witnessService(init)({
    logger: createLogger('mycel:node:witness'),
    host: parts.host,
    self: parts.self,
    members,
    onMember: (fn) => {
      const admitted = (evt: CustomEvent<{ peerId: string }>): void => { fn('admitted', evt.detail.peerId) }
      const removed = (evt: CustomEvent<{ peerId: string }>): void => { fn('removed', evt.detail.peerId) }
      gate.addEventListener('member:admitted', admitted as any)
      gate.addEventListener('member:removed', removed as any)
      return () => { gate.removeEventListener('member:admitted', admitted as any); gate.removeEventListener('member:removed', removed as any) }
    },
    audit,
    store: new WitnessStore({ db: parts.db, verify: parts.verify })
  })
  const verifyPeers = async (): Promise<PeerVerifyResult> => await verifyAgainstWitnesses({
    log: audit, publicKey: parts.publicKey, verify: parts.verify, members, heldBy: async (peer) => await witness.heldBy(peer)
  })
  return { witness, verifyPeers }
}
