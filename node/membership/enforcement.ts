/**
 * Acting on a new revocation list: subscribe to revocation gossip, and when
 * a list names peers, drop their cards and connections. A revoked peer that
 * is still connected is handed the list first (a card sync carries it,
 * bounded by `REVOCATION_NOTICE_TIMEOUT_MS`): once cut off it could never
 * learn it, and would go on showing its groups and trying to delegate.
 *
 * @example
 * const enforcement = revocationEnforcement()({ revocations, host, gate, cards })
 * enforcement.start()
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { RevocationStore } from './revocation-store.ts'
import type { MembershipGate } from './gate.ts'
import { REVOCATION_NOTICE_TIMEOUT_MS } from '../constants.ts'

export interface RevocationEnforcementComponents {
  revocations: RevocationStore
  host: Parameters<RevocationStore['start']>[0]
  gate: Pick<MembershipGate, 'enforceRevocations' | 'isMember'>
  cards: {
    forget: (peerId: string) => void
    /** Exchanges cards and the revocation list with a member. */
    syncWith: (peerId: string) => Promise<void>
  }
}

export function revocationEnforcement (init: { noticeTimeoutMs?: number } = {}) {
  return (c: RevocationEnforcementComponents) => {
    const noticeMs = init.noticeTimeoutMs ?? REVOCATION_NOTICE_TIMEOUT_MS
    const notice = async (peerId: string): Promise<void> => {
      const bound = new AbortController()
      await Promise.race([c.cards.syncWith(peerId).catch(() => {}), sleep(noticeMs, undefined, { signal: bound.signal }).catch(() => {})])
      bound.abort()
    }
    const onUpdated = (evt: CustomEvent<{ peerIds: string[] }>): void => {
      void Promise.all(evt.detail.peerIds.filter(id => c.gate.isMember(id)).map(notice)).then(async () => {
        for (const id of evt.detail.peerIds) c.cards.forget(id)
        await c.gate.enforceRevocations()
      })
    }
    return {
      start: (): void => { c.revocations.start(c.host); c.revocations.addEventListener('updated', onUpdated as EventListener) },
      stop: (): void => { c.revocations.removeEventListener('updated', onUpdated as EventListener); c.revocations.stop() }
    }
  }
}
