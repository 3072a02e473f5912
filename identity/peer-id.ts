/**
 * The libp2p PeerId of a node is derived from its identity key, so Noise
 * authenticates the agent on every connection. Ed25519 peer ids inline the
 * public key (identity multihash), which lets anyone recover the key from the
 * id alone. https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md
 */
import { privateKeyFromRaw, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { peerIdFromPublicKey as libp2pPeerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { InvalidKeyError, InvalidPeerIdError } from './errors.ts'
import type { Ed25519KeyPair } from './keys.ts'

/** Longest peer id string accepted (an Ed25519 one is 52 characters). */
const PEER_ID_MAX_CHARS = 128

/** The base58btc peer id (`12D3KooW…`) of an Ed25519 public key. */
export function peerIdFromPublicKey (publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== 32) throw new InvalidKeyError('Invalid public key: expected 32 bytes')
  return libp2pPeerIdFromPublicKey(publicKeyFromRaw(publicKey)).toString()
}

/** The Ed25519 public key inlined in a peer id; `InvalidPeerIdError` for anything else. */
export function publicKeyFromPeerId (peerId: string): Uint8Array {
  if (typeof peerId !== 'string' || peerId.length === 0 || peerId.length > PEER_ID_MAX_CHARS) throw new InvalidPeerIdError()
  let parsed
  try {
    parsed = peerIdFromString(peerId)
  } catch {
    throw new InvalidPeerIdError()
  }
  if (parsed.type !== 'Ed25519') throw new InvalidPeerIdError(`Peer id is of type ${parsed.type}; Mycel needs an Ed25519 peer id`)
  return Uint8Array.from(parsed.publicKey.raw)
}

/** Whether `peerId` is a well-formed Ed25519 peer id. */
export function isPeerId (peerId: unknown): peerId is string {
  if (typeof peerId !== 'string') return false
  try {
    publicKeyFromPeerId(peerId)
    return true
  } catch {
    return false
  }
}

/** The node key as a libp2p private key, for `createLibp2p({ privateKey })`. */
export function toLibp2pPrivateKey (kp: Ed25519KeyPair): Ed25519PrivateKey {
  // libp2p's raw Ed25519 private key is seed || public key (64 bytes)
  const raw = new Uint8Array(64)
  raw.set(kp.secretKey)
  raw.set(kp.publicKey, 32)
  const key = privateKeyFromRaw(raw)
  raw.fill(0)
  if (key.type !== 'Ed25519') throw new InvalidKeyError()
  return key
}
