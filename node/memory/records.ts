/**
 * Shapes of the values the store keeps, checked on every read: values come
 * off a disk that the threat model does not trust, so a decoded value is
 * `unknown` until its shape accepts it.
 */
import { arrayOf, bool, num, object, optional, str, uint, type Infer } from '../../protocol/shape.ts'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { parse, type Shape } from '../../protocol/shape.ts'

const MAX_VALUE_BYTES = 256 * 1024 * 1024
const MAX_TEXT_CHARS = 64 * 1024 * 1024
const MAX_CHUNKS_PER_DOC = 50_000_000

export const CollectionRecord = object({
  name: str({ max: 64 }),
  createdAt: uint(),
  documents: uint(),
  chunks: uint(),
  tokens: uint(),
  vectors: uint(),
  dims: uint(),
  /** Bumped by every commit that changes vectors; a saved ANN graph is fresh only at the same generation. */
  vgen: uint(),
  removing: optional(bool)
})
export type CollectionRecord = Infer<typeof CollectionRecord>

export const DocumentRecord = object({
  source: str({ max: 4096 }),
  hash: str({ max: 64 }),
  mtimeMs: num(),
  size: uint(),
  chunks: arrayOf(uint(), { max: MAX_CHUNKS_PER_DOC }),
  tokens: uint(),
  ingestedAt: uint(),
  /**
   * The id of the source (`mycel sources`) that wrote it, the path inside that
   * source and the commit it was read at. Optional, so stores written before them still read.
   */
  src: optional(str({ max: 128 })),
  rel: optional(str({ max: 4096 })),
  commit: optional(str({ max: 64 }))
})
export type DocumentRecord = Infer<typeof DocumentRecord>

export const ChunkRecord = object({
  text: str({ max: MAX_TEXT_CHARS }),
  source: str({ max: 4096 }),
  /**
   * The source relative to the folder it was ingested from, shown to other members instead of
   * this machine's path. Optional so stores written before it still read (format unchanged).
   */
  rel: optional(str({ max: 4096 })),
  start: uint(),
  end: uint(),
  /** Collection token. */
  c: str({ max: 128 }),
  /** Document token. */
  d: str({ max: 128 }),
  /** Length in tokens. */
  len: uint(),
  /** Write segment (first chunk number of the batch that wrote it); names its posting blocks. */
  seg: uint(),
  /** Source id and commit, as on the document (optional, as `rel`). */
  src: optional(str({ max: 128 })),
  commit: optional(str({ max: 64 }))
})
export type ChunkRecord = Infer<typeof ChunkRecord>

export const PendingRecord = object({ first: uint(), source: str({ max: 4096 }) })
export type PendingRecord = Infer<typeof PendingRecord>

export const FormatRecord = object({ v: uint(), encrypted: bool })

export const NumberRecord = uint()

export function encodeRecord (value: unknown): Uint8Array {
  return encodeCbor(value)
}

export function decodeRecord<T> (shape: Shape<T>, bytes: Uint8Array, what: string): T {
  return parse(shape, decodeCbor(bytes, { maxBytes: MAX_VALUE_BYTES }), what)
}

/** A posting block: (chunk number, term frequency, chunk length) triples of little-endian uint32. */
export function encodePostings (triples: number[]): Uint8Array {
  const out = new Uint32Array(triples)
  if (!LITTLE_ENDIAN) for (let i = 0; i < out.length; i++) out[i] = swap32(out[i] as number)
  return new Uint8Array(out.buffer)
}

/** Decodes a posting block into flat triples; a malformed block yields none. */
export function decodePostings (b: Uint8Array): Uint32Array {
  if (b.byteLength % 12 !== 0) return new Uint32Array(0)
  // level hands out a fresh buffer per value, so an aligned one can be viewed in place
  if (LITTLE_ENDIAN && b.byteOffset % 4 === 0) return new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4)
  const out = new Uint32Array(b.byteLength / 4)
  new Uint8Array(out.buffer).set(b)
  if (!LITTLE_ENDIAN) for (let i = 0; i < out.length; i++) out[i] = swap32(out[i] as number)
  return out
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
function swap32 (x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0
}

export function encodeVector (v: Float32Array): Uint8Array {
  const b = new Uint8Array(v.length * 4)
  const view = new DataView(b.buffer)
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i] as number, true)
  return b
}

export function decodeVector (b: Uint8Array): Float32Array {
  const n = Math.floor(b.byteLength / 4)
  const out = new Float32Array(n)
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}
