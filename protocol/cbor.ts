/**
 * CBOR encoding for every Mycel wire and disk format.
 *
 * Decoding is the first thing that touches bytes from outside, so it is
 * bounded: a caller states the maximum size, oversized input is refused
 * before parsing, and any parser failure becomes a typed
 * `MalformedMessageError`. cbor-x's record and structured-clone extensions are
 * off so a frame can only produce plain maps, arrays, strings, numbers,
 * booleans, null and byte strings; the shape checks in `shape.ts` come next.
 *
 * @example
 * const bytes = encodeCbor({ v: 1, name: 'alice' })
 * const value = decodeCbor(bytes, { maxBytes: 1024 })
 */
import { Decoder, Encoder } from 'cbor-x'
import { MalformedMessageError, MessageTooLargeError } from './errors.ts'

const options = {
  useRecords: false,
  structuredClone: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
  useFloat32: 0
} as const

const encoder = new Encoder(options)
const decoder = new Decoder(options)

export interface DecodeCborOptions {
  /** Largest input accepted, in bytes. */
  maxBytes: number
}

/** Encodes a value; byte strings are emitted untagged. */
export function encodeCbor (value: unknown): Uint8Array {
  const out: Uint8Array = encoder.encode(value)
  // cbor-x hands back a Buffer over a shared pool; copy so callers own the bytes
  return new Uint8Array(out)
}

/** Decodes exactly one CBOR item no larger than `maxBytes`. */
export function decodeCbor (bytes: Uint8Array, opts: DecodeCborOptions): unknown {
  if (!(bytes instanceof Uint8Array)) throw new MalformedMessageError('Expected bytes')
  if (bytes.byteLength > opts.maxBytes) {
    throw new MessageTooLargeError(`Message of ${bytes.byteLength} bytes exceeds the limit of ${opts.maxBytes}`)
  }
  if (bytes.byteLength === 0) throw new MalformedMessageError('Empty message')
  try {
    const items = decoder.decodeMultiple(bytes) as unknown[] | undefined
    if (items == null || items.length !== 1) throw new MalformedMessageError('Expected exactly one CBOR item')
    return items[0]
  } catch (err) {
    if (err instanceof MalformedMessageError) throw err
    throw new MalformedMessageError('Invalid CBOR')
  }
}
