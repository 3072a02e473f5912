/** Errors of putting a node together. */

/**
 * An address the node was told to listen on is taken: the control API's
 * (`which: 'api'`) or a libp2p listen address (`which: 'listen'`), usually
 * by another node on this machine. The CLI adds which flag picks another.
 */
export class AddressInUseError extends Error {
  static override name = 'AddressInUseError'
  readonly which: 'api' | 'listen'
  readonly address: string
  constructor (which: 'api' | 'listen', address: string) {
    super(`${which === 'api' ? 'the control API address' : 'the libp2p listen address'} ${address} is in use (another node or program listens there)`)
    this.name = AddressInUseError.name
    this.which = which
    this.address = address
  }
}

const MAX_ADDRESS_CHARS = 200

/**
 * The typed error for a failed start whose cause is an address in use, else
 * undefined. Node's listen error carries `code` and the address; libp2p's
 * `UnsupportedListenAddressesError` only lists each failed address with its
 * cause in the message, so that one is read from the text.
 */
export function addressInUse (err: unknown): AddressInUseError | undefined {
  const e = err as (Error & { code?: unknown, address?: unknown, port?: unknown }) | undefined
  if (e == null || typeof e !== 'object') return undefined
  if (e.code === 'EADDRINUSE') {
    const host = typeof e.address === 'string' ? e.address : '?'
    return new AddressInUseError('api', `${host.includes(':') ? `[${host}]` : host}:${String(e.port ?? '?')}`)
  }
  if (e.name === 'UnsupportedListenAddressesError' && typeof e.message === 'string') {
    const taken = [...e.message.matchAll(/^\s*(\/\S+): \S*Error: listen EADDRINUSE/gm)].map(m => m[1] ?? '')
    if (taken.length > 0) return new AddressInUseError('listen', taken.join(', ').slice(0, MAX_ADDRESS_CHARS))
  }
  return undefined
}
