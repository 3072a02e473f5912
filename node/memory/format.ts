/**
 * The format record and key check at the head of a memory sublevel: refuses
 * a store of another format version, an encrypted store opened without its
 * key or with a wrong one, and a plain store opened with a key.
 */
import { EncryptionMismatchError, WrongKeyError } from './errors.ts'
import type { ValueCodec } from './crypto.ts'
import { decodeRecord, encodeRecord, FormatRecord } from './records.ts'
import { keys, STORE_FORMAT } from './keys.ts'

const CHECK_PLAINTEXT = new TextEncoder().encode('mycel memory key check v1')

interface Kv {
  get: (key: string) => Promise<Uint8Array | undefined>
  batch: (ops: Array<{ type: 'put', key: string, value: Uint8Array }>) => Promise<void>
}

export async function checkFormat (kv: Kv, codec: ValueCodec): Promise<void> {
  const fmt = await kv.get(keys.format)
  if (fmt == null) {
    await kv.batch([
      { type: 'put', key: keys.format, value: encodeRecord({ v: STORE_FORMAT, encrypted: codec.encrypted }) },
      { type: 'put', key: keys.check, value: codec.seal(keys.check, CHECK_PLAINTEXT) }
    ])
    return
  }
  const f = decodeRecord(FormatRecord, fmt, 'memory format')
  if (f.v !== STORE_FORMAT) throw new EncryptionMismatchError(`Memory store format ${f.v} is not supported (expected ${STORE_FORMAT})`)
  if (f.encrypted !== codec.encrypted) {
    throw f.encrypted ? new WrongKeyError('The memory store is encrypted; set MYCEL_PASSPHRASE to open it') : new EncryptionMismatchError()
  }
  const check = await kv.get(keys.check)
  let ok = false
  try {
    ok = check != null && Buffer.compare(codec.open(keys.check, check), CHECK_PLAINTEXT) === 0
  } catch {}
  if (!ok) throw new WrongKeyError()
}
