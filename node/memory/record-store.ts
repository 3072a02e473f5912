/**
 * The record layer: typed, optionally sealed values in the store's one
 * `level` sublevel. Every value read is checked against its shape (the disk
 * is not trusted); every value written is encoded and sealed under its
 * storage key. The layers above (documents, vectors, ingest, search) reach
 * the database only through this.
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import type { Shape } from '../../protocol/shape.ts'
import type { ValueCodec } from './crypto.ts'
import { decodeRecord, encodeRecord } from './records.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type MemoryDb = AbstractLevel<any, any, any>
export type MemoryKv = AbstractSublevel<MemoryDb, any, string, Uint8Array> // eslint-disable-line @typescript-eslint/no-explicit-any

export type BatchOp = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

export class RecordStore {
  readonly kv: MemoryKv
  readonly codec: ValueCodec

  constructor (kv: MemoryKv, codec: ValueCodec) {
    this.kv = kv
    this.codec = codec
  }

  /** The sealed bytes of a record stored under `key`. */
  seal (key: string, value: unknown): Uint8Array {
    return this.codec.seal(key, encodeRecord(value))
  }

  /** A batch put of a record. */
  put (key: string, value: unknown): BatchOp {
    return { type: 'put', key, value: this.seal(key, value) }
  }

  /** Opens and checks a value read under `key`; the key's first segment names it in errors. */
  decode<T> (key: string, value: Uint8Array, shape: Shape<T>): T {
    return decodeRecord(shape, this.codec.open(key, value), key.slice(0, key.indexOf('/')))
  }

  async read<T> (key: string, shape: Shape<T>): Promise<T | undefined> {
    const v = await this.kv.get(key)
    return v == null ? undefined : this.decode(key, v, shape)
  }

  async batch (ops: BatchOp[]): Promise<void> {
    await this.kv.batch(ops)
  }
}
