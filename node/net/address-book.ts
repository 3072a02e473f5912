/**
 * Member addresses this node has seen, kept in its database so a restarted
 * node finds the mesh again, the founder included (it has no bootstrap list).
 * Held in memory; written a moment after it changes, since cards tend to
 * arrive in bursts.
 *
 * @example
 * const book = addressBook()({ store: kvStore(db, 'state'), logger })
 * await book.start() // loads what the last run remembered
 * book.update(['/ip4/10.0.0.2/tcp/4001/p2p/12D3KooW…'])
 * await book.stop() // writes a pending update now
 */
import type { Logger } from '../logger.ts'
import type { KvStore } from '../home/db.ts'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { arrayOf, parse, str } from '../../protocol/shape.ts'

const KEY = 'known-addrs'
const MAX_ADDRS = 512
const SAVE_DELAY_MS = 2_000

export interface AddressBookComponents {
  store: KvStore
  logger: Logger
}

export function addressBook () {
  return (components: AddressBookComponents) => new AddressBook(components)
}

export class AddressBook {
  private readonly c: AddressBookComponents
  private addrs: string[] = []
  private timer?: ReturnType<typeof setTimeout>

  constructor (components: AddressBookComponents) {
    this.c = components
  }

  async start (): Promise<void> {
    await this.load()
  }

  async stop (): Promise<void> {
    await this.flush()
  }

  private async load (): Promise<void> {
    try {
      const bytes = await this.c.store.get(KEY)
      if (bytes != null) this.addrs = parse(arrayOf(str({ max: 256 }), { max: MAX_ADDRS }), decodeCbor(bytes, { maxBytes: 256 * 1024 }), 'known addresses')
    } catch (err) {
      this.c.logger('ignoring stored member addresses: %s', (err as Error).message)
    }
  }

  list (): string[] {
    return [...this.addrs]
  }

  /** Remembers these addresses (replacing the last set); they reach disk shortly. */
  update (addrs: string[]): void {
    this.addrs = addrs.slice(0, MAX_ADDRS)
    this.timer ??= setTimeout(() => { this.timer = undefined; void this.write() }, SAVE_DELAY_MS)
  }

  /** Writes now what a pending update would write later. */
  async flush (): Promise<void> {
    if (this.timer == null) return
    clearTimeout(this.timer)
    this.timer = undefined
    await this.write()
  }

  private async write (): Promise<void> {
    await this.c.store.put(KEY, encodeCbor(this.addrs)).catch(err => { this.c.logger('could not store member addresses: %s', err.message) })
  }
}
