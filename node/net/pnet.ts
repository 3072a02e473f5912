/**
 * The org's outer fence: libp2p's private-network connection protector
 * (pnet, https://github.com/libp2p/specs/blob/master/pnet/Private-Networks-PSK-V1.md)
 * with its XSalsa20 stream cipher on `@noble/ciphers`.
 *
 * Why not `@libp2p/pnet` itself: it ciphers through the `xsalsa20` package,
 * whose WebAssembly build keeps stale views of one shared memory; after one
 * large update every later one grows that memory again until
 * `WebAssembly.Memory.grow()` throws and the process dies. Any member could
 * crash any node with one 1 MB task and a few hundred small ones. The wire
 * format here is the same (24-byte nonces exchanged in clear, then each
 * direction XORed with XSalsa20(psk, nonce)), so it interoperates with every
 * other pnet implementation; only the cipher and its memory behaviour differ.
 *
 * @example
 * createLibp2p({ connectionProtector: privateNetwork({ psk: pskToPnetKey(psk) }), ... })
 */
import { InvalidParametersError, type ConnectionProtector, type MultiaddrConnection, type AbortOptions, type Logger } from '@libp2p/interface'
import { AbstractMultiaddrConnection, byteStream } from '@libp2p/utils'
import type { AbstractMultiaddrConnectionInit } from '@libp2p/utils'
import { xsalsa20 } from '@noble/ciphers/salsa.js'
import { fromHex } from '../../identity/bytes.ts'

export const PNET_NONCE_BYTES = 24
export const PNET_KEY_BYTES = 32
/** How long the nonce exchange may take. @default 1000 ms, as `@libp2p/pnet` */
export const PNET_HANDSHAKE_TIMEOUT_MS = 1000
const BLOCK_BYTES = 64
/** noble exposes Salsa20's low 32-bit block counter: 2^32 blocks = 256 GiB per direction, then the connection is closed rather than the keystream reused. */
const MAX_BLOCKS = 2 ** 32

export class PnetKeyError extends Error {
  static override readonly name = 'PnetKeyError'
  constructor (message = 'Invalid private-network key: expected the /key/swarm/psk/1.0.0/ format with 64 hex digits') {
    super(message)
    this.name = PnetKeyError.name
  }
}

export class KeystreamExhaustedError extends Error {
  static override readonly name = 'KeystreamExhaustedError'
  constructor (message = 'Private-network keystream exhausted (256 GiB on one connection): reconnect') {
    super(message)
    this.name = KeystreamExhaustedError.name
  }
}

/**
 * One direction of an XSalsa20 stream: XORs successive chunks with the
 * keystream, carrying a partial block's unused bytes to the next chunk.
 * Allocates only the output of each chunk.
 */
export class XSalsa20Stream {
  private readonly key: Uint8Array
  private readonly nonce: Uint8Array
  private nextBlock = 0
  private readonly carry = new Uint8Array(BLOCK_BYTES)
  /** Unused keystream bytes at the end of `carry`. */
  private carryLeft = 0

  constructor (key: Uint8Array, nonce: Uint8Array) {
    if (key.byteLength !== PNET_KEY_BYTES) throw new PnetKeyError()
    if (nonce.byteLength !== PNET_NONCE_BYTES) throw new InvalidParametersError('pnet nonce must be 24 bytes')
    this.key = key.slice()
    this.nonce = nonce.slice()
  }

  update (data: Uint8Array): Uint8Array {
    const out = new Uint8Array(data.byteLength)
    let i = 0
    while (i < data.byteLength && this.carryLeft > 0) {
      out[i] = data[i]! ^ this.carry[BLOCK_BYTES - this.carryLeft]!
      i++
      this.carryLeft--
    }
    const whole = Math.floor((data.byteLength - i) / BLOCK_BYTES) * BLOCK_BYTES
    if (whole > 0) {
      this.reserve(whole / BLOCK_BYTES)
      xsalsa20(this.key, this.nonce, data.subarray(i, i + whole), out.subarray(i, i + whole), this.nextBlock)
      this.nextBlock += whole / BLOCK_BYTES
      i += whole
    }
    if (i < data.byteLength) {
      this.reserve(1)
      this.carry.fill(0)
      xsalsa20(this.key, this.nonce, this.carry, this.carry, this.nextBlock)
      this.nextBlock++
      const rest = data.byteLength - i
      for (let j = 0; j < rest; j++) out[i + j] = data[i + j]! ^ this.carry[j]!
      this.carryLeft = BLOCK_BYTES - rest
    }
    return out
  }

  private reserve (blocks: number): void {
    if (this.nextBlock + blocks > MAX_BLOCKS) throw new KeystreamExhaustedError()
  }
}

/** The 32-byte key inside a V1 swarm key file (`/key/swarm/psk/1.0.0/\n/base16/\n<hex>`). */
export function decodeSwarmKey (file: Uint8Array): Uint8Array {
  const [tag, codec, hex] = new TextDecoder().decode(file).split(/\r\n|\r|\n/)
  if (tag !== '/key/swarm/psk/1.0.0/' || codec !== '/base16/' || hex == null || !/^[0-9a-fA-F]{64}$/.test(hex)) throw new PnetKeyError()
  return fromHex(hex.toLowerCase())
}

/** libp2p's byte list (from `uint8arraylist`, which libp2p brings), named through the base class. */
type ByteList = Parameters<AbstractMultiaddrConnection['sendData']>[0]

interface BoxedConnectionInit extends Omit<AbstractMultiaddrConnectionInit, 'remoteAddr' | 'direction'> {
  maConn: MultiaddrConnection
  psk: Uint8Array
  localNonce: Uint8Array
  remoteNonce: Uint8Array
}

/**
 * Bytes through every protected connection of this process, as they go on
 * the wire: what gossip and tasks cost, for `/metrics` and the scale bench.
 * Process-wide because libp2p has no per-connection byte counts of its own.
 */
export const wireBytes = { sent: 0, received: 0 }

/** A multiaddr connection whose bytes are XORed with the two XSalsa20 keystreams. */
class BoxedConnection extends AbstractMultiaddrConnection {
  private readonly maConn: MultiaddrConnection
  private readonly inbound: XSalsa20Stream
  private readonly outbound: XSalsa20Stream

  constructor (init: BoxedConnectionInit) {
    super({ ...init, remoteAddr: init.maConn.remoteAddr, direction: init.maConn.direction })
    this.maConn = init.maConn
    this.inbound = new XSalsa20Stream(init.psk, init.remoteNonce)
    this.outbound = new XSalsa20Stream(init.psk, init.localNonce)
    this.maConn.addEventListener('message', (evt) => {
      try {
        const data: Uint8Array | ByteList = evt.data
        wireBytes.received += data.byteLength
        if (data instanceof Uint8Array) this.onData(this.inbound.update(data))
        else for (const buf of data) this.onData(this.inbound.update(buf))
      } catch (err) {
        this.abort(err as Error)
      }
    })
    this.maConn.addEventListener('drain', () => { this.onMuxerDrain() })
    this.maConn.addEventListener('close', (evt) => {
      if (evt.error != null) {
        if (evt.local) this.abort(evt.error)
        else this.onRemoteReset()
      } else {
        this.onTransportClosed()
      }
    })
  }

  async sendClose (options?: AbortOptions): Promise<void> {
    await this.maConn.close(options)
  }

  sendData (data: ByteList): { sentBytes: number, canSendMore: boolean } {
    wireBytes.sent += data.byteLength
    return { sentBytes: data.byteLength, canSendMore: this.maConn.send(this.outbound.update(data.subarray())) }
  }

  sendReset (err: Error): void {
    this.maConn.abort(err)
  }

  sendPause (): void {
    this.maConn.pause()
  }

  sendResume (): void {
    this.maConn.resume()
  }
}

export interface PrivateNetworkInit {
  /** The swarm key file bytes (`pskToPnetKey`). */
  psk: Uint8Array
  /** @default PNET_HANDSHAKE_TIMEOUT_MS */
  timeoutMs?: number
}

class PrivateNetworkProtector implements ConnectionProtector {
  private readonly psk: Uint8Array
  private readonly timeoutMs: number
  readonly [Symbol.toStringTag] = 'mycel:pnet'

  constructor (init: PrivateNetworkInit) {
    this.psk = decodeSwarmKey(init.psk)
    this.timeoutMs = init.timeoutMs ?? PNET_HANDSHAKE_TIMEOUT_MS
  }

  async protect (connection: MultiaddrConnection, options?: AbortOptions): Promise<MultiaddrConnection> {
    if (connection == null) throw new InvalidParametersError('No connection for the handshake provided')
    const log: Logger = connection.log.newScope('pnet')
    const localNonce = crypto.getRandomValues(new Uint8Array(PNET_NONCE_BYTES))
    const opts = options?.signal != null ? options : { ...options, signal: AbortSignal.timeout(this.timeoutMs) }
    const bytes = byteStream(connection)
    const [remote] = await Promise.all([
      bytes.read({ bytes: PNET_NONCE_BYTES, ...opts }),
      bytes.write(localNonce, opts)
    ])
    log('exchanged nonces')
    return new BoxedConnection({ localNonce, remoteNonce: remote.subarray(), psk: this.psk, maConn: bytes.unwrap(), log })
  }
}

/** libp2p `connectionProtector` for the org's mesh. */
export function privateNetwork (init: PrivateNetworkInit): () => ConnectionProtector {
  const protector = new PrivateNetworkProtector(init)
  return () => protector
}
