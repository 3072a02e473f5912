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
 * | `m`      | `head`                   | `CBOR({v: 2, size, head, frontier, cpSize})`, frontier as (level, hash) pairs in one byte string |
 * | `t`      | task id `\0` seq         | empty (index of entries by task)          |
 * | `p`      | peer id                  | latest signed checkpoint seen of the peer |
 */
import type { AbstractLevel, AbstractSublevel } from 'abstract-level'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { arrayOf, bytes, literal, object, parse, uint } from '../../protocol/shape.ts'
import type { FrontierNode, Hash } from './merkle.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'

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

/** A frontier node in the head record: its level, then its hash. */
const FRONTIER_NODE_BYTES = 1 + 32
const MAX_FRONTIER_NODES = 64

/** v1 wrote the frontier as an array of [level, hash] pairs: read still, never written. */
const MetaV1Shape = object({
  v: literal(1),
  size: uint(),
  head: bytes({ length: 32 }),
  frontier: arrayOf(arrayOf(bytes({ max: 32 }), { min: 2, max: 2 }), { max: MAX_FRONTIER_NODES }),
  cpSize: uint()
})

const MetaShape = object({
  v: literal(2),
  size: uint(),
  head: bytes({ length: 32 }),
  frontier: bytes({ max: MAX_FRONTIER_NODES * FRONTIER_NODE_BYTES }),
  cpSize: uint()
})

/**
 * The head is rewritten with every batch, so its encoding is on every
 * task's path: the frontier goes as one byte string (a dozen small arrays
 * cost cbor-x about 20 us a write; one string costs a copy).
 */
export function encodeMeta (m: Meta): Uint8Array {
  const frontier = new Uint8Array(m.frontier.length * FRONTIER_NODE_BYTES)
  m.frontier.forEach((f, i) => {
    frontier[i * FRONTIER_NODE_BYTES] = f.level
    frontier.set(f.hash, i * FRONTIER_NODE_BYTES + 1)
  })
  return encodeCbor({ v: 2, size: m.size, head: m.head, frontier, cpSize: m.checkpointSize })
}

export function decodeMeta (value: Uint8Array): Meta {
  const raw = decodeCbor(value, { maxBytes: 4096 })
  if ((raw as { v?: unknown } | null)?.v === 1) {
    const m = parse(MetaV1Shape, raw, 'audit log head')
    return { size: m.size, head: m.head, frontier: m.frontier.map(([level, hash]) => ({ level: level?.[0] ?? 0, hash: hash as Uint8Array })), checkpointSize: m.cpSize }
  }
  const m = parse(MetaShape, raw, 'audit log head')
  if (m.frontier.byteLength % FRONTIER_NODE_BYTES !== 0) throw new MalformedMessageError('audit log head: its frontier is not whole (level, hash) pairs')
  const frontier: FrontierNode[] = []
  for (let at = 0; at < m.frontier.byteLength; at += FRONTIER_NODE_BYTES) {
    frontier.push({ level: m.frontier[at] ?? 0, hash: m.frontier.slice(at + 1, at + FRONTIER_NODE_BYTES) })
  }
  return { size: m.size, head: m.head, frontier, checkpointSize: m.cpSize }
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
