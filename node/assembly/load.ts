/**
 * Fresh routing signals over the node's parts: the load beat service
 * (signed by the node key, verified against membership, fed to the router)
 * and, as each member is admitted, a pull of its latest beat and one ping
 * for its round trip.
 */
import { createLogger } from '../logger.ts'
import type { MembershipGate } from '../membership/gate.ts'
import type { MycelHost } from '../net/host.ts'
import { rttProbe } from '../net/rtt-probe.ts'
import { loadBeatService, type LoadBeatInit, type LoadBeatService } from '../load/index.ts'
import type { TaskRouter } from '../tasks/index.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import { encodeSignedRecord, openSignedRecord, signRecord } from '../../identity/signed-record.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import { LOAD_BEAT_DOMAIN, LOAD_BEAT_TYPE, MAX_LOAD_BEAT_RECORD_BYTES, type ModelRate, type TaskLoad } from '../../protocol/load/index.ts'

export interface LoadSignalParts {
  host: MycelHost
  gate: MembershipGate
  key: Ed25519KeyPair
  orgId: string
  router: TaskRouter
  load: () => TaskLoad
  /** Tokens/s this node's runtime decodes each model at (its own measure), for its beat. */
  rates: () => ModelRate[]
  /** Whether a peer is a member now (admitted, or by its verified card) and not revoked. */
  isMember: (peerId: string) => boolean
}

export function loadSignals (parts: LoadSignalParts, init: LoadBeatInit = {}): { beats: LoadBeatService, service: { start: () => Promise<void>, stop: () => Promise<void> } } {
  const { host, gate, router } = parts
  const beats = loadBeatService(init)({
    logger: createLogger('mycel:node:load'),
    host,
    orgId: parts.orgId,
    sign: (payload) => encodeSignedRecord(signRecord(parts.key, LOAD_BEAT_DOMAIN, LOAD_BEAT_TYPE, payload)),
    verifier: {
      openRecord: (bytes) => openSignedRecord(bytes, { domain: LOAD_BEAT_DOMAIN, payloadType: LOAD_BEAT_TYPE, maxBytes: MAX_LOAD_BEAT_RECORD_BYTES }),
      peerIdOf: peerIdFromPublicKey,
      isMember: parts.isMember
    },
    load: parts.load,
    rates: parts.rates,
    onBeat: (beat) => {
      // ordered by the member's own clock, never ahead of ours
      router.observeLoad(beat.peerId, beat.load, Math.min(beat.at, Date.now()))
      if (beat.models != null) router.reportRates(beat.peerId, beat.models)
    }
  })
  const probe = rttProbe()({ logger: createLogger('mycel:node:rtt'), host })
  const admitted = (evt: CustomEvent<{ peerId: string }>): void => {
    void beats.pull(evt.detail.peerId)
    void probe.measure(evt.detail.peerId)
  }
  return {
    beats,
    service: {
      start: async () => { await beats.start(); gate.addEventListener('member:admitted', admitted as any) },
      stop: async () => { gate.removeEventListener('member:admitted', admitted as any); await beats.stop() }
    }
  }
}
