/**
 * Audit entries: what one line of the log says, how it is encoded, and how
 * it is chained. The stored value is `hash || body` where `body` is the
 * canonical CBOR of the entry (fixed field order, `data` keys sorted) and
 * `hash = SHA-256(prevHash || body)`. Verification hashes the stored body
 * bytes as they are; nothing is re-encoded.
 *
 * Entries carry ids, verdicts and digests, never prompts or outputs: `data`
 * is bounded (strings ≤ 256 characters, byte strings ≤ 64 bytes, 2 KiB in
 * all) so a payload cannot slip in by mistake. Use `digest(bytes)`.
 */
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { bytes, isPlainObject, literal, object, optional, parse, str, uint, type Shape } from '../../protocol/shape.ts'
import { MAX_DATA_BYTES, MAX_DATA_BYTES_VALUE, MAX_DATA_KEYS, MAX_DATA_STRING_CHARS, MAX_ENTRY_BYTES } from './constants.ts'
import { InvalidAuditEntryError } from './errors.ts'
import { sha256, type Hash } from './merkle.ts'

/** The entry types Mycel writes; other dotted lower-case names are accepted for new subsystems. */
export const AUDIT_ENTRY_TYPES = [
  'task.sent', 'task.received', 'task.state', 'task.result', 'task.canceled',
  'policy.decision', 'peer.checkpoint', 'witness.inconsistent', 'node.start', 'node.stop', 'tool.call'
] as const
export type KnownAuditEntryType = typeof AUDIT_ENTRY_TYPES[number]
export type AuditEntryType = KnownAuditEntryType | (string & {})

export const ENTRY_TYPE_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/

/** A value in `data`: ids, verdicts, counts, digests. */
export type AuditValue = string | number | boolean | null | Uint8Array | string[]

export interface AuditEntryInput {
  type: AuditEntryType
  /** Peer id of whoever acted (the delegator for `task.sent`, this node for a decision). */
  actor: string
  /** Task id the entry is about, if any (indexed: see `AuditLog.byTask`). */
  task?: string
  /** The other peer involved, if any. */
  peer?: string
  /** Small facts: `{ rule: 'members-llm', allow: true }`, `{ resultDigest: digest(output) }`. */
  data?: Record<string, AuditValue>
}

export interface AuditEntry extends AuditEntryInput {
  seq: number
  /** Milliseconds since the epoch, from this node's clock. */
  time: number
  prevHash: Hash
  hash: Hash
}

const ID = str({ min: 1, max: 256 })
const TYPE = str({ max: 64, pattern: ENTRY_TYPE_PATTERN })

const dataValue: Shape<AuditValue> = (value, path) => {
  if (value === null || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MalformedMessageError(`${path}: expected a finite number`)
    return value
  }
  if (typeof value === 'string') return str({ max: MAX_DATA_STRING_CHARS })(value, path)
  if (value instanceof Uint8Array) return bytes({ max: MAX_DATA_BYTES_VALUE })(value, path)
  if (Array.isArray(value)) {
    if (value.length > MAX_DATA_KEYS) throw new MalformedMessageError(`${path}: expected at most ${MAX_DATA_KEYS} items`)
    return value.map((v, i) => str({ max: MAX_DATA_STRING_CHARS })(v, `${path}[${i}]`))
  }
  throw new MalformedMessageError(`${path}: expected a string, number, boolean, null, short bytes or a list of strings`)
}

const dataShape: Shape<Record<string, AuditValue>> = (value, path) => {
  if (!isPlainObject(value)) throw new MalformedMessageError(`${path}: expected a map`)
  const keys = Object.keys(value)
  if (keys.length > MAX_DATA_KEYS) throw new MalformedMessageError(`${path}: expected at most ${MAX_DATA_KEYS} keys`)
  const out: Record<string, AuditValue> = {}
  for (const key of keys.sort()) {
    if (key.length === 0 || key.length > 64) throw new MalformedMessageError(`${path}: keys of 1..64 characters`)
    out[key] = dataValue(value[key], `${path}.${key}`)
  }
  return out
}

const BodyShape = object({
  v: literal(1),
  seq: uint(),
  time: uint(),
  type: TYPE,
  actor: ID,
  task: optional(ID),
  peer: optional(ID),
  data: optional(dataShape),
  prev: bytes({ length: 32 })
})

const InputShape = object({ type: TYPE, actor: ID, task: optional(ID), peer: optional(ID), data: optional(dataShape) })

/** Validates caller input, so a bad entry is refused before it touches the chain. */
export function checkEntryInput (input: AuditEntryInput): AuditEntryInput {
  try {
    return parse(InputShape, input, 'audit entry')
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new InvalidAuditEntryError(err.message)
    throw err
  }
}

/**
 * Canonical body bytes: fixed field order, optional fields omitted, `data`
 * keys sorted (by `checkEntryInput`). Throws `InvalidAuditEntryError` when
 * `data` takes more than its share of the entry.
 */
export function encodeBody (input: AuditEntryInput, seq: number, time: number, prev: Hash): Uint8Array {
  const body: Record<string, unknown> = { v: 1, seq, time, type: input.type, actor: input.actor }
  if (input.task != null) body.task = input.task
  if (input.peer != null) body.peer = input.peer
  if (input.data != null) body.data = input.data
  body.prev = prev
  const bytes = encodeCbor(body)
  // the fixed fields and three ids take at most ~900 bytes, the rest is data's
  if (bytes.byteLength > MAX_DATA_BYTES + 1024) throw new InvalidAuditEntryError(`Audit entry data exceeds ${MAX_DATA_BYTES} bytes; store a digest instead`)
  return bytes
}

export function entryHash (prev: Hash, body: Uint8Array): Hash {
  return sha256(prev, body)
}

/** The stored value: the 32-byte hash, then the exact body bytes. */
export function encodeStored (body: Uint8Array, hash: Hash): Uint8Array {
  const out = new Uint8Array(hash.byteLength + body.byteLength)
  out.set(hash, 0)
  out.set(body, hash.byteLength)
  return out
}

/** Splits a stored value into its stored hash and exact body bytes; throws `MalformedMessageError`. */
export function decodeStored (value: Uint8Array): { body: Uint8Array, hash: Hash } {
  if (!(value instanceof Uint8Array) || value.byteLength <= 32 || value.byteLength > MAX_ENTRY_BYTES) throw new MalformedMessageError('Stored audit entry: expected hash and body')
  return { hash: value.subarray(0, 32), body: value.subarray(32) }
}

/** Decodes body bytes into an entry; throws `MalformedMessageError`. */
export function decodeBody (body: Uint8Array, hash: Hash): AuditEntry {
  const b = parse(BodyShape, decodeCbor(body, { maxBytes: MAX_ENTRY_BYTES }), 'audit entry')
  const entry: AuditEntry = { seq: b.seq, time: b.time, type: b.type, actor: b.actor, prevHash: b.prev, hash }
  if (b.task != null) entry.task = b.task
  if (b.peer != null) entry.peer = b.peer
  if (b.data != null) entry.data = b.data
  return entry
}

/**
 * The two fields verification needs (seq and prevHash), without the full
 * shape check: the hash over the exact bytes already proves the rest is what
 * was written. Throws `MalformedMessageError`.
 */
export function decodeChainFields (body: Uint8Array): { seq: number, prev: Hash } {
  const b = decodeCbor(body, { maxBytes: MAX_ENTRY_BYTES })
  if (!isPlainObject(b)) throw new MalformedMessageError('audit entry: expected a map')
  return { seq: uint()(b.seq, 'seq'), prev: bytes({ length: 32 })(b.prev, 'prev') }
}

/** SHA-256 of content that must be referenced but never stored (prompts, outputs, documents). */
export function digest (content: Uint8Array | string): Uint8Array {
  return sha256(typeof content === 'string' ? new TextEncoder().encode(content) : content)
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** A JSON-able view of an entry for `mycel audit tail --json`: bytes as hex. */
export function entryToJson (entry: AuditEntry): Record<string, unknown> {
  const data: Record<string, unknown> | undefined = entry.data == null
    ? undefined
    : Object.fromEntries(Object.entries(entry.data).map(([k, v]) => [k, v instanceof Uint8Array ? hex(v) : v]))
  return {
    seq: entry.seq,
    time: new Date(entry.time).toISOString(),
    type: entry.type,
    actor: entry.actor,
    ...(entry.task != null ? { task: entry.task } : {}),
    ...(entry.peer != null ? { peer: entry.peer } : {}),
    ...(data != null ? { data } : {}),
    prevHash: hex(entry.prevHash),
    hash: hex(entry.hash)
  }
}
