import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  generateEncryptionKeyPair, encryptionPublicKey, openSession, sealSession, type SessionContext
} from '../../protocol/e2e/index.ts'
import { aeadOpen, exportSecret, forgetEncapsulations, nonceFor, setupBaseR, setupBaseS } from '../../protocol/e2e/hpke.ts'
import { ENCAPSULATION_MAX_AGE_MS, ENCAPSULATION_MAX_USES } from '../../protocol/e2e/constants.ts'

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const ctx: SessionContext = { org: 'org-root-key', taskId: 'task-1', delegator: 'peer-alice', executor: 'peer-bob' }

function pair (context: SessionContext = ctx) {
  const keys = generateEncryptionKeyPair()
  const delegator = sealSession(keys.publicKey, context)
  const executor = openSession(keys, delegator.enc, context)
  return { keys, delegator, executor }
}

function includes (haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) !== -1
}

describe('protocol/e2e', () => {
  it('reuses one encapsulation per recipient, each session with keys of its own, that a receiver keeping nothing opens', () => {
    const keys = generateEncryptionKeyPair()
    const other = generateEncryptionKeyPair()
    const prompt = text('the same prompt')
    const sessions = Array.from({ length: 5 }, (_, i) => ({ c: { ...ctx, taskId: `task-${i}` }, d: sealSession(keys.publicKey, { ...ctx, taskId: `task-${i}` }) }))
    assert.equal(new Set(sessions.map(s => Buffer.from(s.d.enc).toString('hex'))).size, 1)
    assert.notDeepEqual(sealSession(other.publicKey, ctx).enc, sessions[0]?.d.enc)
    const sealed = sessions.map(s => s.d.seal(prompt, 0))
    assert.equal(new Set(sealed.map(b => Buffer.from(b).toString('hex'))).size, 5)
    for (const [i, { c, d }] of sessions.entries()) {
      forgetEncapsulations() // a receiver that kept nothing: the RFC's decapsulation from scratch
      const executor = openSession(keys, d.enc, c)
      assert.deepEqual(executor.open(sealed[i]!, 0), prompt)
      assert.deepEqual(d.open(executor.seal(text(`result ${i}`), 1), 1), text(`result ${i}`))
      // another task's ciphertext under the same encapsulation does not open here
      assert.throws(() => executor.open(sealed[(i + 1) % 5]!, 0), (err: Error) => err.name === 'DecryptionFailedError')
    }
  })

  it('encapsulates afresh after its use or age limit', (t) => {
    const keys = generateEncryptionKeyPair()
    const encOf = (taskId: string): string => Buffer.from(sealSession(keys.publicKey, { ...ctx, taskId }).enc).toString('hex')
    const first = encOf('first')
    for (let i = 1; i < ENCAPSULATION_MAX_USES; i++) encOf(`t${i}`)
    const second = encOf('past the use limit')
    assert.notEqual(second, first)
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() })
    assert.equal(encOf('within the age limit'), second)
    t.mock.timers.tick(ENCAPSULATION_MAX_AGE_MS)
    const third = encOf('past the age limit')
    assert.notEqual(third, second)
    assert.deepEqual(openSession(keys, new Uint8Array(Buffer.from(third, 'hex')), { ...ctx, taskId: 'past the age limit' }).role, 'executor')
  })

  it('matches RFC 9180 test vector A.2.1 (X25519, HKDF-SHA256, ChaCha20-Poly1305, base mode)', () => {
    const skEm = hex('f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600')
    const skRm = hex('8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb')
    const pkRm = hex('4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a')
    const info = hex('4f6465206f6e2061204772656369616e2055726e')
    assert.deepEqual(encryptionPublicKey(skRm), pkRm)
    const { enc, context } = setupBaseS(pkRm, info, skEm)
    assert.equal(Buffer.from(enc).toString('hex'), '1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a')
    assert.equal(Buffer.from(context.key).toString('hex'), 'ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91')
    assert.equal(Buffer.from(context.baseNonce).toString('hex'), '5c4d98150661b848853b547f')
    assert.equal(Buffer.from(context.exporterSecret).toString('hex'), 'a3b010d4994890e2c6968a36f64470d3c824c8f5029942feb11e7a74b2921922')
    assert.equal(Buffer.from(exportSecret(context, new Uint8Array(0), 32)).toString('hex'), '4bbd6243b8bb54cec311fac9df81841b6fd61f56538a775e7c80a9f40160606e')
    const r = setupBaseR(enc, { publicKey: pkRm, secretKey: skRm }, info)
    const ct = hex('1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28')
    const pt = aeadOpen(r.key, nonceFor(r.baseNonce, 0), text('Count-0'), ct)
    assert.equal(new TextDecoder().decode(pt), 'Beauty is truth, truth beauty')
  })

  it('round-trips a request and a stream of result chunks in both directions', () => {
    const { delegator, executor } = pair()
    const prompt = text('summarise the quarterly report')
    assert.deepEqual(executor.open(delegator.seal(prompt, 0), 0), prompt)
    for (let seq = 0; seq < 20; seq++) {
      const chunk = text(`token ${seq}`)
      assert.deepEqual(delegator.open(executor.seal(chunk, seq), seq), chunk)
    }
    assert.deepEqual(executor.open(delegator.seal(new Uint8Array(0), 1), 1), new Uint8Array(0))
    const big = new Uint8Array(1 << 20).fill(7)
    assert.deepEqual(executor.open(delegator.seal(big, 2), 2), big)
    // the largest sequence number still works
    assert.deepEqual(delegator.open(executor.seal(prompt, Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER), prompt)
  })

  it('never puts the plaintext in the ciphertext, and two sessions never share ciphertext', () => {
    const prompt = text('the secret prompt: launch codes 0000')
    const a = pair(); const b = pair()
    const ca = a.delegator.seal(prompt, 0)
    assert.ok(!includes(ca, prompt))
    assert.ok(!includes(ca, text('launch codes')))
    assert.notDeepEqual(ca, b.delegator.seal(prompt, 0))
    assert.notDeepEqual(a.delegator.enc, b.delegator.enc)
  })

  it('refuses tampered ciphertext with DecryptionFailedError', () => {
    const { delegator, executor } = pair()
    const ct = delegator.seal(text('hello executor'), 0)
    for (let i = 0; i < ct.length; i++) {
      const bad = ct.slice(); bad[i]! ^= 0x01
      assert.throws(() => executor.open(bad, 0), { name: 'DecryptionFailedError' })
    }
    assert.throws(() => executor.open(ct.subarray(0, ct.length - 1), 0), { name: 'DecryptionFailedError' })
    assert.throws(() => executor.open(new Uint8Array([...ct, 0]), 0), { name: 'DecryptionFailedError' })
  })

  it('refuses a ciphertext moved to another org, task, sender or recipient', () => {
    const keys = generateEncryptionKeyPair()
    const d = sealSession(keys.publicKey, ctx)
    const ct = d.seal(text('payload'), 0)
    const others: SessionContext[] = [
      { ...ctx, org: 'other-org' },
      { ...ctx, taskId: 'task-2' },
      { ...ctx, delegator: 'peer-mallory' },
      { ...ctx, executor: 'peer-carol' },
      { org: ctx.org, taskId: ctx.taskId, delegator: ctx.executor, executor: ctx.delegator }
    ]
    for (const other of others) {
      const e = openSession(keys, d.enc, other)
      assert.throws(() => e.open(ct, 0), { name: 'DecryptionFailedError' }, JSON.stringify(other))
    }
  })

  it('refuses a chunk replayed or reordered under another sequence number, or reflected to its sender', () => {
    const { delegator, executor } = pair()
    const c3 = executor.seal(text('chunk three'), 3)
    assert.throws(() => delegator.open(c3, 4), { name: 'DecryptionFailedError' })
    assert.throws(() => delegator.open(c3, 2), { name: 'DecryptionFailedError' })
    assert.throws(() => delegator.open(c3, -1), { name: 'DecryptionFailedError' })
    assert.throws(() => delegator.open(c3, 1.5), { name: 'DecryptionFailedError' })
    // the same seq in the other direction uses another key
    assert.throws(() => executor.open(c3, 3), { name: 'DecryptionFailedError' })
    const req = delegator.seal(text('request'), 0)
    assert.throws(() => delegator.open(req, 0), { name: 'DecryptionFailedError' })
    assert.throws(() => executor.seal(text('x'), -1), { name: 'InvalidSequenceError' })
  })

  it('refuses the wrong key: another executor, or another session\'s enc', () => {
    const { delegator } = pair()
    const ct = delegator.seal(text('for bob only'), 0)
    const mallory = generateEncryptionKeyPair()
    assert.throws(() => openSession(mallory, delegator.enc, ctx).open(ct, 0), { name: 'DecryptionFailedError' })
    const { keys } = pair()
    const other = sealSession(keys.publicKey, ctx)
    assert.throws(() => openSession(keys, other.enc, ctx).open(ct, 0), { name: 'DecryptionFailedError' })
  })

  it('refuses a low-order or malformed encapsulated key from the wire, and bad local keys and contexts', () => {
    const keys = generateEncryptionKeyPair()
    assert.throws(() => openSession(keys, new Uint8Array(32), ctx), { name: 'DecryptionFailedError' })
    assert.throws(() => openSession(keys, new Uint8Array(31), ctx), { name: 'DecryptionFailedError' })
    assert.throws(() => sealSession(new Uint8Array(32), ctx), { name: 'InvalidKeyError' })
    assert.throws(() => sealSession(new Uint8Array(16), ctx), { name: 'InvalidKeyError' })
    assert.throws(() => openSession({ publicKey: keys.publicKey, secretKey: new Uint8Array(5) }, keys.publicKey, ctx), { name: 'InvalidKeyError' })
    assert.throws(() => sealSession(keys.publicKey, { ...ctx, taskId: '' }), { name: 'InvalidSessionContextError' })
  })

  it('never throws anything but DecryptionFailedError on random ciphertexts, sequence numbers and enc', () => {
    const { keys, delegator, executor } = pair()
    const valid = delegator.seal(text('valid request'), 0)
    const onlyTyped = (fn: () => unknown): void => {
      try { fn(); assert.fail('opened random bytes') } catch (err) {
        assert.equal((err as Error).name, 'DecryptionFailedError', (err as Error).message)
      }
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: -10, max: 2 ** 53 + 10 }), (bytes, seq) => {
      onlyTyped(() => executor.open(bytes, seq))
      onlyTyped(() => delegator.open(bytes, seq))
    }), { numRuns: 1000 })
    fc.assert(fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const bad = valid.slice(); bad[i]! ^= x
      onlyTyped(() => executor.open(bad, 0))
    }), { numRuns: 500 })
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), enc => {
      onlyTyped(() => openSession(keys, enc, ctx).open(valid, 0))
    }), { numRuns: 300 })
  })
})
