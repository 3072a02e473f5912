/**
 * The load beat: a small signed record (domain `mycel-load-beat`) a node
 * gossips about once a second while its load changes, so routers see queue
 * depth and free sequences fresher than the card's republish interval. It
 * carries no membership chain: a receiver takes it only from a member whose
 * verified card it already holds (see node/load).
 */
import { decodeCbor, encodeCbor } from '../cbor.ts'
import { arrayOf, literal, num, object, optional, parse, str, uint, type Infer } from '../shape.ts'

export const LOAD_BEAT_DOMAIN = 'mycel-load-beat'
export const LOAD_BEAT_TYPE = 'mycel/load-beat/1'
/** Largest beat payload; the signed record adds a key and a signature. */
export const MAX_LOAD_BEAT_BYTES = 2048
export const MAX_LOAD_BEAT_RECORD_BYTES = MAX_LOAD_BEAT_BYTES + 256
/** Models a beat reports a measured rate for. */
export const MAX_LOAD_BEAT_MODELS = 16

/** Running, queued and slot counts: what a card, a beat and a task response carry. */
export const LoadShape = object({
  running: uint({ max: 1_000_000 }),
  queued: uint({ max: 1_000_000 }),
  slots: uint({ max: 4096 })
})
export type TaskLoad = Infer<typeof LoadShape>

/** Generation speed a node measured on one of its models. */
const ModelRate = object({
  name: str({ max: 128 }),
  tokensPerSecond: num({ min: 0, max: 1_000_000 })
})
export type ModelRate = Infer<typeof ModelRate>

const LoadBeat = object({
  v: literal(1),
  peerId: str({ max: 128 }),
  org: str({ max: 64 }),
  /** Increases with every beat of this node (seeded from the clock, so a restart outranks older beats). */
  seq: uint(),
  /** When the node measured this load, ms since the epoch. */
  at: uint(),
  load: LoadShape,
  models: optional(arrayOf(ModelRate, { max: MAX_LOAD_BEAT_MODELS }))
})
export type LoadBeat = Infer<typeof LoadBeat>

export function encodeLoadBeat (beat: LoadBeat): Uint8Array {
  return encodeCbor(beat)
}

export function decodeLoadBeat (bytes: Uint8Array): LoadBeat {
  return parse(LoadBeat, decodeCbor(bytes, { maxBytes: MAX_LOAD_BEAT_BYTES }), 'load beat')
}
