/**
 * Capability cards made by hand, signed by any key: genuine ones for a
 * member, and forgeries (wrong signer, other org, old sequence, expired).
 *
 * @example
 * const bytes = signedCard(member.key, { peerId: member.peerId, org: orgId, cert: member.chain, seq: 5 })
 * node.services.cards.accept(bytes)
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CARD_DOMAIN, CARD_PAYLOAD_TYPE, encodeCardPayload, type CapabilityCard } from '../../protocol/cards/card.ts'
import { encodeSignedRecord, signRecord, decodeSignedRecord } from '../../identity/signed-record.ts'
import { loadNodeKey } from '../../identity/keystore.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import type { NodeConfig } from '../../node/home/config.ts'

/** What a test needs to speak for a node: its key, peer id, org id and membership chain. */
export interface Identity {
  key: Ed25519KeyPair
  peerId: string
  orgId: string
  chain: Uint8Array
}

/** Reads the identity of a home (initialised and joined, not necessarily running). */
export async function identityOf (home: string): Promise<Identity> {
  const key = await loadNodeKey(join(home, 'identity.key'))
  const config = JSON.parse(await readFile(join(home, 'node.json'), 'utf8')) as NodeConfig
  if (config.org == null) throw new Error(`${home} has not joined an org`)
  return { key, peerId: peerIdFromPublicKey(key.publicKey), orgId: config.org.id, chain: new Uint8Array(Buffer.from(config.org.chain, 'base64')) }
}

/** A complete card for `who`, valid for five minutes, with `fields` overriding. */
export function cardFor (who: Omit<Identity, 'key'>, fields: Partial<CapabilityCard> = {}): CapabilityCard {
  const now = Date.now()
  return {
    v: 1,
    peerId: who.peerId,
    name: 'forged',
    org: who.orgId,
    seq: now,
    issuedAt: now,
    expiresAt: now + 5 * 60_000,
    addrs: [],
    taskKinds: [],
    models: [],
    tools: [],
    collections: [],
    hardware: { backend: 'cpu', cpuCores: 1, ramBytes: 1024, slots: 0 },
    load: { running: 0, queued: 0, slots: 0 },
    encryptionKey: new Uint8Array(32),
    roles: [],
    policy: { kinds: [] },
    cert: who.chain,
    ...fields
  }
}

/** Signs a card with `key` into the signed-record bytes that travel on the wire. */
export function signCard (key: Ed25519KeyPair, card: CapabilityCard): Uint8Array {
  return encodeSignedRecord(signRecord(key, CARD_DOMAIN, CARD_PAYLOAD_TYPE, encodeCardPayload(card)))
}

/** The same signed card with one bit of its signature flipped. */
export function withBadSignature (bytes: Uint8Array): Uint8Array {
  const rec = decodeSignedRecord(bytes, 64 * 1024)
  const signature = new Uint8Array(rec.signature)
  signature[7] = (signature[7] ?? 0) ^ 0x01
  return encodeSignedRecord({ ...rec, signature })
}

/** The signed card with its payload changed after signing (the signature no longer covers it). */
export function withTamperedPayload (bytes: Uint8Array, card: CapabilityCard): Uint8Array {
  const rec = decodeSignedRecord(bytes, 64 * 1024)
  return encodeSignedRecord({ ...rec, payload: encodeCardPayload(card) })
}
