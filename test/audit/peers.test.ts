import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import type { AuditLog } from '../../node/audit/index.ts'
import { ed25519Signer, ed25519Verify, signedLog } from './helpers.ts'

const nodeLog = signedLog

async function grow (log: AuditLog, n: number, tag = 'x'): Promise<void> {
  for (let i = 0; i < n; i++) await log.append({ type: 'task.state', actor: 'peer-b', data: { tag, i } })
}

describe('audit/peer checkpoints', () => {
  it('keeps a peer\'s checkpoint and accepts a proven extension', async (t) => {
    const bobKey = ed25519Signer()
    const bob = await nodeLog(t, bobKey)
    const alice = await nodeLog(t)
    await grow(bob, 10)
    const first = await bob.checkpoint()
    const r1 = await alice.recordPeerCheckpoint('peer-bob', bobKey.publicKey, first.bytes)
    assert.deepEqual([r1.previous, r1.proven, r1.checkpoint.size], [null, true, 10])
    await grow(bob, 7)
    const second = await bob.checkpoint()
    const proof = await bob.consistencyProof(10, 17)
    const r2 = await alice.recordPeerCheckpoint('peer-bob', bobKey.publicKey, second.bytes, proof)
    assert.deepEqual([r2.previous?.size, r2.checkpoint.size, r2.proven], [10, 17, true])
    assert.ok(Buffer.from(second.bytes).equals((await alice.peerCheckpoint('peer-bob'))!))
    // growth without a proof is kept but flagged unproven
    await grow(bob, 1)
    const r3 = await alice.recordPeerCheckpoint('peer-bob', bobKey.publicKey, (await bob.checkpoint()).bytes)
    assert.equal(r3.proven, false)
  })

  it('refuses a smaller size, a fork at the same size, a rewritten history and a bad signature', async (t) => {
    const bobKey = ed25519Signer()
    const bob = await nodeLog(t, bobKey)
    const alice = await nodeLog(t)
    await grow(bob, 5)
    const small = await bob.checkpoint()
    await grow(bob, 5)
    const big = await bob.checkpoint()
    await alice.recordPeerCheckpoint('peer-bob', bobKey.publicKey, big.bytes)
    await assert.rejects(alice.recordPeerCheckpoint('peer-bob', bobKey.publicKey, small.bytes), { name: 'CheckpointRollbackError' })

    // Bob keeps a second, rewritten log under the same key
    const forkLog = await nodeLog(t, bobKey)
    await grow(forkLog, 10, 'rewritten')
    const fork = await forkLog.checkpoint()
    await assert.rejects(alice.recordPeerCheckpoint('peer-bob', bobKey.publicKey, fork.bytes), { name: 'InconsistentCheckpointError' })
    await grow(forkLog, 5, 'rewritten')
    const forkBigger = await forkLog.checkpoint()
    await assert.rejects(alice.recordPeerCheckpoint('peer-bob', bobKey.publicKey, forkBigger.bytes, await forkLog.consistencyProof(10, 15)), { name: 'InconsistentCheckpointError' })

    const mallory = ed25519Signer()
    await assert.rejects(alice.recordPeerCheckpoint('peer-bob', mallory.publicKey, big.bytes), { name: 'InvalidCheckpointError' })
    await assert.rejects(alice.recordPeerCheckpoint('peer-bob', bobKey.publicKey, new Uint8Array([1, 2, 3])), { name: 'InvalidCheckpointError' })
    // what Alice holds is still Bob's honest checkpoint
    assert.ok(Buffer.from(big.bytes).equals((await alice.peerCheckpoint('peer-bob'))!))
  })
})

describe('audit/peer checkpoints from the wire', () => {
  it('throws nothing but InvalidCheckpointError on random or mutated checkpoint bytes', async (t) => {
    const fc = (await import('fast-check')).default
    const bobKey = ed25519Signer()
    const bob = await nodeLog(t, bobKey)
    const alice = await nodeLog(t)
    await grow(bob, 3)
    const good = (await bob.checkpoint()).bytes
    const inputs = [
      ...fc.sample(fc.uint8Array({ maxLength: 300 }), 300),
      ...fc.sample(fc.tuple(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 })), 300).map(([i, x]) => { const b = good.slice(); b[i]! ^= x; return b })
    ]
    for (const bytes of inputs) {
      await assert.rejects(alice.recordPeerCheckpoint('peer-bob', bobKey.publicKey, bytes), { name: 'InvalidCheckpointError' })
    }
    assert.equal(await alice.peerCheckpoint('peer-bob'), undefined)
  })
})
