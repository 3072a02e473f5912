/**
 * The mesh's pre-shared key: 32 random bytes every member holds, used by
 * libp2p `pnet` as the outer fence (connections from outside the org fail
 * before Noise starts). Membership certificates are the real gate.
 */
import { randomBytes } from 'node:crypto'
import { InvalidKeyError } from './errors.ts'
import { toHex } from './bytes.ts'

export const PSK_BYTES = 32

export function generatePsk (): Uint8Array {
  return new Uint8Array(randomBytes(PSK_BYTES))
}

/**
 * The swarm key file format `@libp2p/pnet`'s `preSharedKey({ psk })` reads:
 * `/key/swarm/psk/1.0.0/\n/base16/\n<64 hex digits>`.
 */
export function pskToPnetKey (psk: Uint8Array): Uint8Array {
  if (!(psk instanceof Uint8Array) || psk.byteLength !== PSK_BYTES) throw new InvalidKeyError('Invalid pre-shared key: expected 32 bytes')
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${toHex(psk)}`)
}
