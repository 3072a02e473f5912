/**
 * Delegation chains, one component: links made by `extendChain` with real
 * keys and agent certificates, checked by `verifyChain` as an executor
 * would. Narrowing passes; widening, forgery, a wrong certificate, a link
 * replayed to another task or executor, an expired link, depth past the
 * limit and a cycle are each refused with their own reason.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { generateKeyPair, sign, type Ed25519KeyPair } from '../../../identity/keys.ts'
import { peerIdFromPublicKey } from '../../../identity/peer-id.ts'
import { issueAgentCert } from '../../../identity/agent-cert.ts'
import { chainCrypto, nodeLinkSigner } from '../../../identity/chain-crypto.ts'
import { decodeSignedRecord, encodeSignedRecord } from '../../../identity/signed-record.ts'
import {
  ChainRefusedError, decodeLinkPayload, encodeLinkPayload, extendChain, FULL_SCOPE, verifyChain,
  type ChainRefusal, type ChainRequest, type ChainScope, type ChainSigner, type VerifiedChain
} from '../../../protocol/chain/index.ts'
import type { ScopedRequest } from '../../../protocol/chain/scope.ts'

const ORG = 'org-chain'

interface Member { key: Ed25519KeyPair, id: string }
const member = (): Member => { const key = generateKeyPair(); return { key, id: peerIdFromPublicKey(key.publicKey) } }
const hex = (): string => randomBytes(16).toString('hex')

function agentOf (node: Member, name = 'researcher'): ChainSigner {
  const key = generateKeyPair()
  return { name, publicKey: key.publicKey, cert: issueAgentCert({ node: node.key, agent: key.publicKey, name }), sign: (m) => sign(key.secretKey, m) }
}

const ECHO: ScopedRequest = { kind: 'echo', dataClass: 'internal' }
const NARROW: ChainScope = { kinds: ['echo', 'tool.call'], tools: ['fs.read'], collections: [], classes: ['internal', 'public'] }

/** `from` hands task `taskId` to `to`, extending `parent` (what `to` verified of the previous hop). */
function hop (from: Member, to: Member, request: ChainRequest, taskId = hex(), now?: number): { links: Uint8Array[], taskId: string } {
  const links = extendChain({ org: ORG, self: from.id, audience: to.id, taskId, request, node: nodeLinkSigner(from.key), crypto: chainCrypto, ...(now != null ? { now } : {}) })
  return { links, taskId }
}

function verifyAt (to: Member, from: Member, h: { links: Uint8Array[], taskId: string }, over: { request?: ScopedRequest, maxDepth?: number, now?: number } = {}): VerifiedChain {
  return verifyChain(h.links, { org: ORG, self: to.id, from: from.id, taskId: h.taskId, request: over.request ?? ECHO, crypto: chainCrypto, ...(over.maxDepth != null ? { maxDepth: over.maxDepth } : {}), ...(over.now != null ? { now: over.now } : {}) })
}

const refused = (reason: ChainRefusal) => (err: unknown): boolean => {
  assert.ok(err instanceof ChainRefusedError, String(err))
  assert.equal(err.reason, reason)
  return true
}

/** Re-signs a link's payload after `change`, with `key` (a forger's or the rightful one). */
function resign (record: Uint8Array, change: (l: ReturnType<typeof decodeLinkPayload>) => void, key: Ed25519KeyPair): Uint8Array {
  const link = decodeLinkPayload(decodeSignedRecord(record, 1 << 16).payload)
  change(link)
  return chainCrypto.seal(nodeLinkSigner(key), encodeLinkPayload(link))
}

describe('delegation chains', { timeout: 30_000 }, () => {
  const m = member()
  const b = member()
  const a = member()
  const c = member()

  it('accepts a two-hop chain that narrows, through an agent, and reports origin, hops and scope', () => {
    const root = hop(m, b, { scope: NARROW })
    const atB = verifyAt(b, m, root)
    assert.deepEqual([atB.origin, atB.depth, atB.hops[0]?.node], [m.id, 1, m.id])
    const agent = agentOf(b)
    const narrower: ChainScope = { kinds: ['tool.call'], tools: ['fs.read'], collections: [], classes: ['internal'] }
    const child = hop(b, a, { parent: atB, agent, scope: narrower, parentTask: root.taskId })
    const atA = verifyAt(a, b, child, { request: { kind: 'tool.call', tool: 'fs.read', dataClass: 'internal' } })
    assert.equal(atA.origin, m.id)
    assert.equal(atA.depth, 2)
    assert.deepEqual(atA.hops.map(h => [h.node, h.agent ?? null, h.task]), [[m.id, null, root.taskId], [b.id, 'researcher', child.taskId]])
    assert.deepEqual(atA.scope, narrower)
  })

  it('refuses a hop that widens its parent\'s scope, including its data classes', () => {
    const atB = verifyAt(b, m, hop(m, b, { scope: NARROW }))
    assert.throws(() => hop(b, a, { parent: atB, scope: { ...NARROW, tools: ['*'] } }), refused('widened'), 'the router will not sign it')
    const wideLink = resign(hop(b, a, { parent: atB }).links[1] as Uint8Array, l => { l.scope.classes = ['internal', 'confidential'] }, b.key)
    const taskId = decodeLinkPayload(decodeSignedRecord(wideLink, 1 << 16).payload).task
    assert.throws(() => verifyAt(a, b, { links: [atB.links[0] as Uint8Array, wideLink], taskId }), refused('widened'))
  })

  it('refuses a request outside the scope in force', () => {
    const root = hop(m, b, { scope: NARROW })
    assert.throws(() => verifyAt(b, m, root, { request: { kind: 'llm.chat', dataClass: 'internal' } }), refused('out-of-scope'))
    assert.throws(() => verifyAt(b, m, root, { request: { kind: 'tool.call', tool: 'fs.write', dataClass: 'internal' } }), refused('out-of-scope'))
    assert.throws(() => verifyAt(b, m, root, { request: { kind: 'echo', dataClass: 'confidential' } }), refused('out-of-scope'))
  })

  it('refuses a forged signature and a link signed by another node than it names', () => {
    const root = hop(m, b, {})
    const rec = decodeSignedRecord(root.links[0] as Uint8Array, 1 << 16)
    rec.signature[0] = (rec.signature[0] as number) ^ 1
    assert.throws(() => verifyAt(b, m, { links: [encodeSignedRecord(rec)], taskId: root.taskId }), refused('forged'))
    // c signs a link claiming m issued it
    const claimed = resign(root.links[0] as Uint8Array, () => {}, c.key)
    assert.throws(() => verifyAt(b, m, { links: [claimed], taskId: root.taskId }), refused('forged'))
  })

  it('refuses an agent whose certificate another node issued', () => {
    const atB = verifyAt(b, m, hop(m, b, {}))
    const stranger = agentOf(c) // certified by c, presented as b's
    assert.throws(() => verifyAt(a, b, hop(b, a, { parent: atB, agent: stranger })), refused('cert'))
  })

  it('refuses a link replayed for another task, executor or delegator', () => {
    const root = hop(m, b, {})
    assert.throws(() => verifyAt(b, m, { links: root.links, taskId: hex() }), refused('replay'))
    assert.throws(() => verifyAt(a, m, root), refused('replay'))
    assert.throws(() => verifyAt(b, c, root), refused('replay'))
  })

  it('refuses an expired link', () => {
    const root = hop(m, b, {}, hex(), Date.now() - 2 * 60 * 60 * 1000)
    assert.throws(() => verifyAt(b, m, root), refused('expired'))
  })

  it('refuses a chain past the depth limit, the default and a configured one', () => {
    const d = member()
    const atB = verifyAt(b, m, hop(m, b, {}))
    const toA = hop(b, a, { parent: atB })
    const atA = verifyAt(a, b, toA)
    assert.throws(() => verifyAt(a, b, toA, { maxDepth: 1 }), refused('depth'))
    const atC = verifyAt(c, a, hop(a, c, { parent: atA }))
    assert.equal(atC.depth, 3)
    assert.throws(() => verifyAt(d, c, hop(c, d, { parent: atC })), refused('depth'))
  })

  it('refuses a cycle: a node visited twice, or one agent issuing twice', () => {
    const atB = verifyAt(b, m, hop(m, b, {}))
    const atA = verifyAt(a, b, hop(b, a, { parent: atB }))
    assert.throws(() => verifyAt(b, a, hop(a, b, { parent: atA })), refused('cycle'))
    // an agent on b handing itself a task on b twice
    const agent = agentOf(b)
    const local = verifyAt(b, b, hop(b, b, { parent: atB, agent }))
    assert.throws(() => verifyAt(b, b, hop(b, b, { parent: local, agent })), refused('cycle'))
  })

  it('starts a root with the full scope when none is asked for', () => {
    assert.deepEqual(verifyAt(b, m, hop(m, b, {})).scope, FULL_SCOPE)
  })
})
