/**
 * Where the audit log lives inside its `level` database: one sublevel per
 * kind of record, all written through one batch per group of appends so an
 * entry, its Merkle nodes, its index and the log head land together or not
 * at all.
 *
 * | sublevel | key                      | value                                     |
 * | -------- | ------------------------ | ----------------------------------------- |
 * | `e`      | seq (16 digits)          | hash (32 bytes) `||` body (CBOR)          |
 * | `n`      | level (2) `:` index (16) | hash of a perfect Merkle subtree (≥ 2 leaves) |
 * | `c`      | size (16 digits)         | signed checkpoint                         |
 * | `m`      | `head`                   | `CBOR({v, size, head, frontier, cpSize})` |
 * | `t`      | task id `\0` seq         | empty (index of entries by task)          |
 * | `p`      | peer id                  | latest signed checkpoint seen of the peer |
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { arrayOf, bytes, literal, object, parse, uint } from '../../protocol/shape.ts'
import type { FrontierNode, Hash } from './merkle.ts'

/** A `level` database or sublevel with string keys, e.g. `new Level(path)` or `db.sublevel('audit')`. */
export type AuditDb = AbstractLevel<any, any, any>
export type Sub = AbstractSublevel<any, any, string, Uint8Array>

export interface Stores {
  db: AuditDb
  entries: Sub
  nodes: Sub
  checkpoints: Sub
  meta: Sub
  tasks: Sub
  peers: Sub
}

export function openStores (db: AuditDb): Stores {
  const sub = (name: string): Sub => db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' }) as Sub
  return { db, entries: sub('e'), nodes: sub('n'), checkpoints: sub('c'), meta: sub('m'), tasks: sub('t'), peers: sub('p') }
}

export const seqKey = (n: number): string => n.toString().padStart(16, '0')
export const nodeKey = (level: number, index: number): string => `${level.toString().padStart(2, '0')}:${seqKey(index)}`
export const taskKey = (task: string, seq: number): string => `${task}\u0000${seqKey(seq)}`
export const META_KEY = 'head'

export interface Meta {
  size: number
  head: Hash
  frontier: FrontierNode[]
  /** Size covered by the latest signed checkpoint. */
  checkpointSize: number
}

const MetaShape = object({
  v: literal(1),
  size: uint(),
  head: bytes({ length: 32 }),
  frontier: arrayOf(arrayOf(bytes({ max: 32 }), { min: 2, max: 2 }), { max: 64 }),
  cpSize: uint()
})

export function encodeMeta (m: Meta): Uint8Array {
  return encodeCbor({ v: 1, size: m.size, head: m.head, frontier: m.frontier.map(f => [new Uint8Array([f.level]), f.hash]), cpSize: m.checkpointSize })
}

export function decodeMeta (value: Uint8Array): Meta {
  const m = parse(MetaShape, decodeCbor(value, { maxBytes: 4096 }), 'audit log head')
  return {
    size: m.size,
    head: m.head,
    frontier: m.frontier.map(([level, hash]) => ({ level: (level as Uint8Array)[0] ?? 0, hash: hash as Uint8Array })),
    checkpointSize: m.cpSize
  }
}

export interface PutOp { sublevel: Sub, key: string, value: Uint8Array }
/** Only superseded checkpoints are ever deleted; entries and nodes never are. */
export interface DelOp { sublevel: Sub, key: string, del: true }
export type BatchOp = PutOp | DelOp

export async function writeBatch (stores: Stores, ops: BatchOp[]): Promise<void> {
  const batch = stores.db.batch()
  for (const op of ops) {
    if ('del' in op) batch.del(op.key, { sublevel: op.sublevel as any })
    else batch.put(op.key, op.value, { sublevel: op.sublevel as any })
  }
  await batch.write()
}
