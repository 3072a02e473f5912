/** Small byte helpers shared inside identity/. Not part of the public API. */

const utf8 = new TextEncoder()

/** Unsigned LEB128 varint, as used by multiformats and libp2p's record envelope. */
export function varint (n: number): Uint8Array {
  const out: number[] = []
  do {
    let b = n % 128
    n = Math.floor(n / 128)
    if (n > 0) b |= 0x80
    out.push(b)
  } while (n > 0)
  return Uint8Array.from(out)
}

/** `len(a) || a || len(b) || b || …`, strings as UTF-8: an unambiguous concatenation to sign. */
export function lengthPrefixed (...parts: Array<Uint8Array | string>): Uint8Array {
  const chunks: Uint8Array[] = []
  for (const part of parts) {
    const b = typeof part === 'string' ? utf8.encode(part) : part
    chunks.push(varint(b.byteLength), b)
  }
  return concat(chunks)
}

export function concat (chunks: Uint8Array[]): Uint8Array {
  let len = 0
  for (const c of chunks) len += c.byteLength
  const out = new Uint8Array(len)
  let at = 0
  for (const c of chunks) { out.set(c, at); at += c.byteLength }
  return out
}

export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] as number) ^ (b[i] as number)
  return diff === 0
}

export function toHex (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}

export function fromHex (s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'))
}
