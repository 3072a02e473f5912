/**
 * The sources a node keeps, and each one's sync state, in a sublevel of the
 * node's database. Every value is checked against its shape when read: the
 * disk is not trusted more than the wire.
 */
import type { NodeDb } from '../home/db.ts'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { parse } from '../../protocol/shape.ts'
import { emptyState, SourceRecord, SourceState } from './types.ts'

/** The sublevel as the book uses it: string keys, byte values. */
export interface SourceKv {
  get: (key: string) => Promise<Uint8Array | undefined>
  put: (key: string, value: Uint8Array) => Promise<void>
  batch: (ops: Array<{ type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }>) => Promise<void>
  iterator: (opts: { gte: string, lt: string }) => AsyncIterable<[string, Uint8Array]>
}

const MAX_VALUE_BYTES = 64 * 1024

export class SourceBook {
  private readonly kv: SourceKv

  constructor (kv: SourceKv) {
    this.kv = kv
  }

  /** A sublevel of the node's database as a book. */
  static of (db: NodeDb): SourceBook {
    return new SourceBook(db.sublevel<string, Uint8Array>('sources', { valueEncoding: 'view' }) as unknown as SourceKv)
  }

  async list (): Promise<SourceRecord[]> {
    const out: SourceRecord[] = []
    for await (const [, value] of this.kv.iterator({ gte: 'src/', lt: 'src/\uffff' })) out.push(parse(SourceRecord, decodeCbor(value, { maxBytes: MAX_VALUE_BYTES }), 'source record'))
    return out.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
  }

  async state (id: string): Promise<SourceState> {
    const v = await this.kv.get(`state/${id}`)
    return v == null ? emptyState() : parse(SourceState, decodeCbor(v, { maxBytes: MAX_VALUE_BYTES }), 'source state')
  }

  /** Adds a source with an empty state, in one batch. */
  async add (record: SourceRecord): Promise<void> {
    await this.kv.batch([
      { type: 'put', key: `src/${record.id}`, value: encodeCbor(record) },
      { type: 'put', key: `state/${record.id}`, value: encodeCbor(emptyState()) }
    ])
  }

  async setState (id: string, state: SourceState): Promise<void> {
    await this.kv.put(`state/${id}`, encodeCbor(state))
  }

  async remove (id: string): Promise<void> {
    await this.kv.batch([{ type: 'del', key: `src/${id}` }, { type: 'del', key: `state/${id}` }])
  }
}
