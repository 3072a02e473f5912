/**
 * Delegation chains across real nodes. The executor alpha is a separate
 * `mycel start` process whose policy denies the `interns` group and allows
 * chains two hops deep; carol, mallory (an intern) and bravo are nodes in
 * this process, bravo serving a `relay` kind that extends the chain it was
 * handed to alpha (as the agent loop will). A valid two-hop chain runs and
 * `mycel audit trace` shows parent and child; mallory laundering a request
 * through bravo is refused because of mallory; a hop that widens its
 * parent's scope, and a chain one hop too deep, are refused at alpha and
 * audited there.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { homePaths } from '../../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import type { Policy } from '../../node/policy/types.ts'
import { chainCrypto, nodeLinkSigner } from '../../identity/chain-crypto.ts'
import { encodeLinkPayload, extendChain, FULL_SCOPE, verifyChain, type ChainRequest, type ChainScope, type VerifiedChain } from '../../protocol/chain/index.ts'
import type { TraceNode } from '../../node/audit/trace.ts'
import { meshed, signedRequest, submitRaw } from './helpers.ts'

const RELAY_SCOPE: ChainScope = { kinds: ['relay', 'echo'], tools: [], collections: [], classes: ['internal'] }
const hex = (): string => randomBytes(16).toString('hex')

async function writePolicy (home: string, edit: (p: Policy) => void): Promise<void> {
  const policy = defaultFounderPolicy()
  edit(policy)
  await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
}

describe('delegation chains between members', { timeout: 240_000 }, () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let alphaId: string
  let bravo: MycelNode
  let carol: MycelNode
  let mallory: MycelNode
  let bravoHome: string

  before(async () => {
    const alphaHome = await h.found('acme', 'alpha')
    await writePolicy(alphaHome, p => {
      const base = p.rules[0]!
      p.rules = [
        { ...base, id: 'no-interns', effect: 'deny', groups: ['interns'], kinds: ['*'], direction: 'inbound' },
        { ...base, id: 'members-echo', kinds: ['echo'] }
      ]
      p.delegation = { maxDepth: 2 }
    })
    alpha = await h.start(alphaHome)
    alphaId = (await alpha.status()).peerId
    const member = async (name: string, groups: string[], beforeStart?: (home: string) => Promise<void>): Promise<MycelNode> => {
      const invite = (await h.ok(alphaHome, ['invite', 'create', '--json', ...groups.flatMap(g => ['--group', g])])).json<{ invite: string }>().invite
      const home = await h.join(invite, name, { inProcess: true })
      if (name === 'bravo') bravoHome = home
      await beforeStart?.(home)
      return await h.node(home, { runtime: false })
    }
    // members run (and send) relay between themselves
    const relays = async (home: string): Promise<void> => { await writePolicy(home, p => { p.rules[0]!.kinds = ['echo', 'relay'] }) }
    // bravo runs echo for no intern, on its own or through its relay
    bravo = await member('bravo', [], async home => {
      await writePolicy(home, p => {
        const base = p.rules[0]!
        p.rules = [{ ...base, id: 'no-intern-echo', effect: 'deny', groups: ['interns'], kinds: ['echo'], direction: 'inbound' }, { ...base, kinds: ['echo', 'relay'] }]
      })
    })
    carol = await member('carol', [], relays)
    mallory = await member('mallory', ['interns'], relays)
    // relay: bravo hands its input on to alpha as echo, on the chain it was handed (as the agent loop does)
    bravo.services.tasks.register({
      kind: 'relay',
      parseInput: (v) => v as { prompt: string, here?: boolean },
      run: async (input, ctx) => {
        const chain: ChainRequest = { parentTask: ctx.taskId, ...(ctx.chain != null ? { parent: ctx.chain } : {}) }
        const where = input.here === true ? { local: true } : { peer: alphaId }
        const res = await bravo.services.router.run({ kind: 'echo', ...where, input: { prompt: input.prompt }, chain, signal: ctx.signal })
        return { output: { echoed: res.output, child: res.taskId, parentDepth: ctx.chain?.depth ?? null } }
      }
    })
    await meshed([bravo, carol, mallory])
    for (const n of [bravo, carol, mallory]) {
      await waitFor(() => n.services.gate.member(alphaId) != null && n.services.cards.card(alphaId) != null, { what: `${n.name} to admit alpha`, timeoutMs: 60_000 })
    }
    await waitFor(async () => (await alpha.caps()).length === 4 && (await alpha.peers()).length === 3, { what: 'alpha to hold every card', timeoutMs: 60_000 })
  })

  const alphaAudit = async (): Promise<Array<{ type: string, task?: string, peer?: string, data?: Record<string, unknown> }>> =>
    (await h.ok(alpha.home, ['audit', 'tail', '-n', '500', '--json'])).json()

  it('runs a valid two-hop chain, and audit trace shows parent and child on both sides', async () => {
    const res = await carol.services.router.run({ kind: 'relay', peer: bravo.peerId, input: { prompt: 'two hops' }, chain: { scope: RELAY_SCOPE } })
    const out = res.output as { echoed: string, child: string, parentDepth: number }
    assert.deepEqual([out.echoed, out.parentDepth], ['two hops', 1], 'bravo\'s kind saw the verified chain')
    const trace = (await h.ok(alpha.home, ['audit', 'trace', out.child, '--json'])).json<TraceNode>()
    assert.deepEqual([trace.task, trace.parent, trace.origin, trace.depth, trace.peer, trace.state], [out.child, res.taskId, carol.peerId, 2, bravo.peerId, 'completed'])
    const text = (await h.ok(alpha.home, ['audit', 'trace', out.child])).stdout
    assert.match(text, new RegExp(`parent ${res.taskId}: not held here`))
    const onBravo = (await h.ok(bravoHome, ['audit', 'trace', out.child, '--json'], { inProcess: true })).json<TraceNode>()
    assert.deepEqual([onBravo.task, onBravo.role, onBravo.peer, onBravo.depth], [res.taskId, 'received', carol.peerId, 1])
    assert.deepEqual(onBravo.children.map(c => [c.task, c.role, c.peer, c.parent, c.depth]), [[out.child, 'sent', alphaId, res.taskId, 2]])
  })

  it('refuses at alpha a request mallory launders through bravo, because of mallory', async () => {
    // bravo itself may run echo on alpha
    assert.equal((await bravo.services.router.run({ kind: 'echo', peer: alphaId, input: { prompt: 'mine' } })).output, 'mine')
    await assert.rejects(mallory.services.router.run({ kind: 'relay', peer: bravo.peerId, input: { prompt: 'launder' }, chain: {} }), (err: Error & { code?: string }) => err.code === 'denied')
    const audit = await alphaAudit()
    const decision = audit.find(e => e.type === 'policy.decision' && e.peer === mallory.peerId)
    assert.deepEqual([decision?.data?.allow, decision?.data?.rule, decision?.data?.principal], [false, 'no-interns', 'origin'])
    const rejected = audit.find(e => e.type === 'task.rejected' && e.task === decision?.task)
    assert.deepEqual([rejected?.peer, rejected?.data?.reason], [bravo.peerId, 'chain-denied'])
    assert.equal(audit.some(e => e.type === 'task.state' && e.task === decision?.task), false, 'nothing ran')
  })

  it('applies the same checks on the local path: bravo refuses mallory\'s echo through its own relay', async () => {
    const ok = await carol.services.router.run({ kind: 'relay', peer: bravo.peerId, input: { prompt: 'here', here: true }, chain: {} })
    assert.equal((ok.output as { echoed: string }).echoed, 'here')
    await assert.rejects(mallory.services.router.run({ kind: 'relay', peer: bravo.peerId, input: { prompt: 'here', here: true }, chain: {} }), (err: Error & { code?: string }) => err.code === 'denied')
    const audit = (await bravo.services.audit.tail(200)).map(e => ({ type: e.type, task: e.task, peer: e.peer, data: e.data }))
    const decision = audit.find(e => e.type === 'policy.decision' && e.peer === mallory.peerId && e.data?.principal === 'origin')
    assert.deepEqual([decision?.data?.allow, decision?.data?.rule, decision?.data?.kind], [false, 'no-intern-echo', 'echo'])
    const rejected = audit.find(e => e.type === 'task.rejected' && e.task === decision?.task)
    assert.deepEqual([rejected?.data?.reason, rejected?.data?.local], ['chain-denied', true])
  })

  /** A root carol issues to bravo for task `t0`, as bravo verified it. */
  const rootAtBravo = (scope: ChainScope): { chain: VerifiedChain, t0: string } => {
    const t0 = hex()
    const links = extendChain({ org: carol.services.credentials.org.id, self: carol.peerId, audience: bravo.peerId, taskId: t0, request: { scope }, node: nodeLinkSigner(carol.services.credentials.key), crypto: chainCrypto })
    return { t0, chain: verifyChain(links, { org: carol.services.credentials.org.id, self: bravo.peerId, from: carol.peerId, taskId: t0, request: { kind: 'relay', dataClass: 'internal' }, crypto: chainCrypto }) }
  }

  it('refuses at alpha a hop that widens its parent\'s scope, and audits it there', async () => {
    const { chain, t0 } = rootAtBravo({ kinds: ['relay'], tools: [], collections: [], classes: ['internal'] })
    // bravo signs a hop to alpha with every kind, though carol granted only relay
    const t1 = hex()
    const now = Date.now()
    const wide = chainCrypto.seal(nodeLinkSigner(bravo.services.credentials.key), encodeLinkPayload({
      v: 1, org: bravo.services.credentials.org.id, origin: carol.peerId, issuer: bravo.peerId, audience: alphaId, task: t1, parent: t0,
      depth: 2, scope: FULL_SCOPE, issuedAt: now, expiresAt: now + 60_000, nonce: hex()
    }))
    // the raw helpers need only the executor's peer id (its card is the sender's)
    const alphaNode = { peerId: alphaId, name: 'alpha' } as MycelNode
    const events = await submitRaw(bravo, alphaNode, signedRequest(bravo, alphaNode, { taskId: t1, chain: [...chain.links, wide] }).bytes)
    assert.deepEqual(events.map(e => e.t === 'error' ? e.code : e.t), ['denied'])
    const rejected = (await alphaAudit()).find(e => e.type === 'task.rejected' && e.task === t1)
    assert.deepEqual([rejected?.peer, rejected?.data?.reason], [bravo.peerId, 'chain-widened'])
  })

  it('refuses at alpha a chain deeper than its policy allows', async () => {
    const { chain: atBravo } = rootAtBravo(RELAY_SCOPE)
    const org = carol.services.credentials.org.id
    const t1 = hex()
    const toMallory = extendChain({ org, self: bravo.peerId, audience: mallory.peerId, taskId: t1, request: { parent: atBravo }, node: nodeLinkSigner(bravo.services.credentials.key), crypto: chainCrypto })
    const atMallory = verifyChain(toMallory, { org, self: mallory.peerId, from: bravo.peerId, taskId: t1, request: { kind: 'relay', dataClass: 'internal' }, crypto: chainCrypto })
    const t2 = hex()
    const toAlpha = extendChain({ org, self: mallory.peerId, audience: alphaId, taskId: t2, request: { parent: atMallory }, node: nodeLinkSigner(mallory.services.credentials.key), crypto: chainCrypto })
    const alphaNode = { peerId: alphaId, name: 'alpha' } as MycelNode
    const events = await submitRaw(mallory, alphaNode, signedRequest(mallory, alphaNode, { taskId: t2, chain: toAlpha }).bytes)
    assert.deepEqual(events.map(e => e.t === 'error' ? e.code : e.t), ['denied'])
    const rejected = (await alphaAudit()).find(e => e.type === 'task.rejected' && e.task === t2)
    assert.equal(rejected?.data?.reason, 'chain-depth')
  })
})
