import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { decodeCbor, encodeCbor } from '../../protocol/cbor.ts'
import {
  generateKeyPair, generatePsk, inspectSecretFile, loadKeyPair, loadNodeKey, loadSecretFile, openSecretFile, saveKeyPair, saveNodeKey,
  saveSecretFile, sealSecretFile
} from '../../identity/index.ts'

const FAST = { scryptLogN: 10 } // tests only; files default to 2^15

async function withDir (fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mycel-keystore-'))
  try { await fn(dir) } finally { await rm(dir, { recursive: true, force: true }) }
}

describe('identity/keystore', () => {
  it('saves the node key with mode 0600 and loads the same key back', async () => {
    await withDir(async dir => {
      const path = join(dir, 'node.key')
      const kp = generateKeyPair()
      await saveNodeKey(path, kp)
      if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600)
      assert.deepEqual(await loadNodeKey(path), kp)
      assert.deepEqual(await readdir(dir), ['node.key'])
    })
  })

  it('refuses to overwrite an existing identity with KeyExistsError', async () => {
    await withDir(async dir => {
      const path = join(dir, 'node.key')
      const first = generateKeyPair()
      await saveNodeKey(path, first)
      await assert.rejects(saveNodeKey(path, generateKeyPair()), { name: 'KeyExistsError' })
      assert.deepEqual(await loadNodeKey(path), first)
      assert.deepEqual(await readdir(dir), ['node.key'])
    })
  })

  it('encrypts with a passphrase (default scrypt cost): round trip, no plaintext seed on disk', async () => {
    await withDir(async dir => {
      const path = join(dir, 'node.key')
      const kp = generateKeyPair()
      await saveNodeKey(path, kp, { passphrase: 'correct horse battery staple' })
      const raw = new Uint8Array(await readFile(path))
      assert.equal(Buffer.from(raw).indexOf(Buffer.from(kp.secretKey)), -1)
      const file = decodeCbor(raw, { maxBytes: 4096 }) as { kdf: { logN: number } }
      assert.equal(file.kdf.logN, 15)
      assert.deepEqual(await loadNodeKey(path, { passphrase: 'correct horse battery staple' }), kp)
      if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600)
    })
  })

  it('a wrong passphrase is one clear WrongPassphraseError; none at all is PassphraseRequiredError', async () => {
    await withDir(async dir => {
      const path = join(dir, 'node.key')
      await saveNodeKey(path, generateKeyPair(), { passphrase: 'right', ...FAST })
      await assert.rejects(loadNodeKey(path, { passphrase: 'wrong' }), { name: 'WrongPassphraseError', message: 'Wrong passphrase for identity key' })
      await assert.rejects(loadNodeKey(path), { name: 'PassphraseRequiredError', message: /MYCEL_PASSPHRASE/ })
      await assert.rejects(loadNodeKey(path, { passphrase: '' }), { name: 'PassphraseRequiredError' })
    })
  })

  it('shows whose key a locked file holds without the passphrase', async () => {
    await withDir(async dir => {
      const path = join(dir, 'node.key')
      const kp = generateKeyPair()
      await saveNodeKey(path, kp, { passphrase: 'p', ...FAST })
      assert.deepEqual(await inspectSecretFile(path), { label: 'node-key', encrypted: true, publicKey: kp.publicKey })
    })
  })

  it('detects a swapped public key or label in an encrypted file (authenticated header)', async () => {
    const kp = generateKeyPair()
    const sealed = await sealSecretFile(kp.secretKey, { label: 'node-key', publicKey: kp.publicKey, passphrase: 'p', ...FAST })
    const file = decodeCbor(sealed, { maxBytes: 4096 }) as Record<string, unknown>
    const swapped = encodeCbor({ ...file, publicKey: generateKeyPair().publicKey })
    await assert.rejects(openSecretFile(swapped, { label: 'node-key', passphrase: 'p' }), { name: 'WrongPassphraseError' })
    const relabelled = encodeCbor({ ...file, label: 'org-root' })
    await assert.rejects(openSecretFile(relabelled, { label: 'org-root', passphrase: 'p' }), { name: 'WrongPassphraseError' })
  })

  it('refuses a key file of another kind and a plain file whose public key does not match', async () => {
    await withDir(async dir => {
      const path = join(dir, 'root.key')
      const kp = generateKeyPair()
      await saveKeyPair(path, kp, 'org-root')
      assert.deepEqual(await loadKeyPair(path, 'org-root'), kp)
      await assert.rejects(loadNodeKey(path), { name: 'KeyFileCorruptError', message: /org-root/ })
      const forged = join(dir, 'forged.key')
      await writeFile(forged, encodeCbor({ v: 1, kind: 'plain', label: 'node-key', publicKey: generateKeyPair().publicKey, secret: kp.secretKey }))
      await assert.rejects(loadNodeKey(forged), { name: 'KeyFileCorruptError' })
    })
  })

  it('stores other secrets (the mesh psk) encrypted the same way', async () => {
    await withDir(async dir => {
      const path = join(dir, 'psk')
      const psk = generatePsk()
      await saveSecretFile(path, psk, { label: 'mesh-psk', passphrase: 'p', ...FAST })
      assert.deepEqual((await loadSecretFile(path, { label: 'mesh-psk', passphrase: 'p' })).secret, psk)
    })
  })

  it('a missing key file is KeyNotFoundError', async () => {
    await withDir(async dir => {
      await assert.rejects(loadNodeKey(join(dir, 'nope')), { name: 'KeyNotFoundError' })
      await assert.rejects(inspectSecretFile(join(dir, 'nope')), { name: 'KeyNotFoundError' })
    })
  })

  it('random, truncated and mutated key files only ever give typed errors', async () => {
    const kp = generateKeyPair()
    const plain = await sealSecretFile(kp.secretKey, { label: 'node-key', publicKey: kp.publicKey })
    const locked = await sealSecretFile(kp.secretKey, { label: 'node-key', publicKey: kp.publicKey, passphrase: 'p', ...FAST })
    const typed = new Set(['KeyFileCorruptError', 'WrongPassphraseError', 'PassphraseRequiredError'])
    const check = async (data: Uint8Array, passphrase?: string): Promise<void> => {
      try {
        await openSecretFile(data, { label: 'node-key', ...(passphrase != null ? { passphrase } : {}) })
      } catch (err) {
        assert.ok(typed.has((err as Error).name), `unexpected ${(err as Error).name}: ${(err as Error).message}`)
      }
    }
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async b => { await check(b) }), { numRuns: 500 })
    for (const [valid, runs] of [[plain, 500], [locked, 150]] as const) {
      await fc.assert(fc.asyncProperty(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), async (i, x) => {
        const m = valid.slice(); m[i] = (m[i] as number) ^ x
        await check(m, 'p')
      }), { numRuns: runs })
      for (let n = 0; n < valid.length; n++) await check(valid.slice(0, n), 'p')
    }
  })
})
