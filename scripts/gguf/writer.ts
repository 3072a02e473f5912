/**
 * A minimal GGUF v3 writer: metadata key/values, tensor infos and F32 tensor
 * data, laid out as the spec says (little-endian, data section aligned to
 * `general.alignment`). Enough to write models that llama.cpp loads; not a
 * general-purpose GGUF library.
 *
 * Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */
import { open } from 'node:fs/promises'

/** GGUF metadata value types (gguf.md, `gguf_metadata_value_type`). */
const T = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const

export type GgufValue =
  | { type: 'u32' | 'i32' | 'f32', value: number }
  | { type: 'bool', value: boolean }
  | { type: 'string', value: string }
  | { type: 'string[]', value: string[] }
  | { type: 'f32[]', value: ArrayLike<number> }
  | { type: 'i32[]', value: ArrayLike<number> }

/** Tensor storage types this writer can produce. */
export type GgufTensorType = 'f32' | 'f16' | 'q8_0'

export interface GgufTensor {
  name: string
  /** ggml order: `dims[0]` is the fastest-varying (row length). */
  dims: number[]
  /** Fills the tensor's values (as F32); called once, in file order. */
  fill: (out: Float32Array) => void
  /**
   * Writes the tensor's stored bytes directly (already in `type`'s encoding),
   * instead of `fill` then encode: a gigabyte of Q8_0 is generated in seconds
   * rather than quantised value by value.
   */
  data?: (out: Buffer) => void
  /** @default 'f32' */
  type?: GgufTensorType
}

/** ggml type ids (ggml.h `enum ggml_type`). */
const GGML_TYPE = { f32: 0, f16: 1, q8_0: 8 } as const
/** Q8_0: blocks of 32 values, each an f16 scale then 32 int8 (ggml-common.h `block_q8_0`). */
const Q8_0_BLOCK = 32
export const Q8_0_BYTES = 2 + Q8_0_BLOCK

export function tensorBytes (type: GgufTensorType, count: number): number {
  if (type === 'f32') return count * 4
  if (type === 'f16') return count * 2
  if (count % Q8_0_BLOCK !== 0) throw new Error('q8_0 tensors need a row length that is a multiple of 32')
  return (count / Q8_0_BLOCK) * Q8_0_BYTES
}

function encode (type: GgufTensorType, values: Float32Array): Buffer {
  if (type === 'f32') return Buffer.from(values.buffer, values.byteOffset, values.byteLength)
  if (type === 'f16') {
    const h = Float16Array.from(values)
    return Buffer.from(h.buffer, h.byteOffset, h.byteLength)
  }
  const out = Buffer.alloc(tensorBytes('q8_0', values.length))
  const scale = new Float16Array(1)
  for (let b = 0; b < values.length / Q8_0_BLOCK; b++) {
    let amax = 0
    for (let i = 0; i < Q8_0_BLOCK; i++) amax = Math.max(amax, Math.abs(values[b * Q8_0_BLOCK + i] as number))
    const d = amax / 127
    scale[0] = d
    const o = b * Q8_0_BYTES
    out.writeUInt16LE(new Uint16Array(scale.buffer)[0] as number, o)
    const q = new Int8Array(out.buffer, out.byteOffset + o + 2, Q8_0_BLOCK)
    for (let i = 0; i < Q8_0_BLOCK; i++) q[i] = d === 0 ? 0 : Math.round((values[b * Q8_0_BLOCK + i] as number) / d)
  }
  return out
}

/** Growable little-endian byte buffer for the header. */
class Bytes {
  buf = Buffer.alloc(1 << 16)
  len = 0
  private ensure (n: number): void {
    if (this.len + n <= this.buf.length) return
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n))
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
  }

  u32 (v: number): void { this.ensure(4); this.buf.writeUInt32LE(v, this.len); this.len += 4 }
  i32 (v: number): void { this.ensure(4); this.buf.writeInt32LE(v, this.len); this.len += 4 }
  f32 (v: number): void { this.ensure(4); this.buf.writeFloatLE(v, this.len); this.len += 4 }
  u64 (v: number): void { this.ensure(8); this.buf.writeBigUInt64LE(BigInt(v), this.len); this.len += 8 }
  u8 (v: number): void { this.ensure(1); this.buf.writeUInt8(v, this.len); this.len += 1 }
  str (s: string): void {
    const b = Buffer.from(s, 'utf8')
    this.u64(b.length)
    this.ensure(b.length); b.copy(this.buf, this.len); this.len += b.length
  }

  pad (alignment: number): void {
    const n = (alignment - (this.len % alignment)) % alignment
    this.ensure(n); this.buf.fill(0, this.len, this.len + n); this.len += n
  }
}

function writeValue (b: Bytes, v: GgufValue): void {
  switch (v.type) {
    case 'u32': b.u32(T.u32); b.u32(v.value); break
    case 'i32': b.u32(T.i32); b.i32(v.value); break
    case 'f32': b.u32(T.f32); b.f32(v.value); break
    case 'bool': b.u32(T.bool); b.u8(v.value ? 1 : 0); break
    case 'string': b.u32(T.string); b.str(v.value); break
    case 'string[]': b.u32(T.array); b.u32(T.string); b.u64(v.value.length); for (const s of v.value) b.str(s); break
    case 'f32[]': b.u32(T.array); b.u32(T.f32); b.u64(v.value.length); for (let i = 0; i < v.value.length; i++) b.f32(v.value[i] as number); break
    case 'i32[]': b.u32(T.array); b.u32(T.i32); b.u64(v.value.length); for (let i = 0; i < v.value.length; i++) b.i32(v.value[i] as number); break
  }
}

export interface GgufLayout {
  /** The header: magic, metadata, tensor infos, padded to the alignment. */
  header: Buffer
  /** Stored bytes of each tensor, in file order (without padding). */
  sizes: number[]
  /** Size of the whole file in bytes. */
  totalBytes: number
}

/** The file's header and sizes, computed without touching tensor data (so a 1 GB model's layout is checked in milliseconds). */
export function ggufLayout (metadata: Record<string, GgufValue>, tensors: GgufTensor[], alignment = 32): GgufLayout {
  const h = new Bytes()
  h.buf.write('GGUF', 0, 'ascii'); h.len = 4
  h.u32(3)
  h.u64(tensors.length)
  const kv = { ...metadata, 'general.alignment': { type: 'u32', value: alignment } as GgufValue }
  h.u64(Object.keys(kv).length)
  for (const [key, value] of Object.entries(kv)) { h.str(key); writeValue(h, value) }
  let offset = 0
  const sizes: number[] = []
  for (const [i, t] of tensors.entries()) {
    h.str(t.name)
    h.u32(t.dims.length)
    for (const d of t.dims) h.u64(d)
    h.u32(GGML_TYPE[t.type ?? 'f32'])
    h.u64(offset)
    const bytes = tensorBytes(t.type ?? 'f32', t.dims.reduce((a, d) => a * d, 1))
    sizes.push(bytes)
    offset += bytes + (i < tensors.length - 1 ? (alignment - (bytes % alignment)) % alignment : 0)
  }
  h.pad(alignment)
  return { header: h.buf.subarray(0, h.len), sizes, totalBytes: h.len + offset }
}

/**
 * Writes a GGUF v3 file; returns its size in bytes. Tensors are produced and
 * written one at a time, so memory stays at one tensor whatever the file size.
 */
export async function writeGguf (path: string, metadata: Record<string, GgufValue>, tensors: GgufTensor[], alignment = 32): Promise<number> {
  const { header, sizes } = ggufLayout(metadata, tensors, alignment)
  const fh = await open(path, 'w')
  try {
    let pos = 0
    await fh.write(header, 0, header.length, pos); pos += header.length
    for (const [i, t] of tensors.entries()) {
      const size = sizes[i] as number
      let data: Buffer
      if (t.data != null) {
        data = Buffer.allocUnsafe(size)
        t.data(data)
      } else {
        const values = new Float32Array(t.dims.reduce((a, d) => a * d, 1))
        t.fill(values)
        data = encode(t.type ?? 'f32', values)
      }
      await fh.write(data, 0, data.length, pos); pos += data.length
      const pad = (alignment - (size % alignment)) % alignment
      if (pad > 0 && i < tensors.length - 1) { await fh.write(Buffer.alloc(pad), 0, pad, pos); pos += pad }
    }
    return pos
  } finally {
    await fh.close()
  }
}
