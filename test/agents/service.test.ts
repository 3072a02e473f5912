/**
 * Agent profiles on a real `level` database and real key files: each agent
 * gets its own ed25519 key (0600, encrypted with the passphrase) and a
 * certificate its node issued; bad input and duplicates are refused with
 * nothing written; profiles survive a restart; an `agent.run` naming no
 * agent is refused with a typed, audited error.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { generateKeyPair } from '../../identity/keys.ts'
import { verifyAgentCert } from '../../identity/agent-cert.ts'
import { toHex } from '../../identity/bytes.ts'
import { AGENT_KEY_LABEL, AgentService, type ProfileDb } from '../../node/agents/index.ts'
import { loadKeyPair } from '../../identity/keystore.ts'
import type { AuditEntryInput } from '../../node/audit/entry.ts'
import { context } from './scripted.ts'

describe('agent profiles and keys', { timeout: 60_000 }, () => {
  let dir: string
  let db: Level<string, unknown>
  const nodeKey = generateKeyPair()
  const audit: AuditEntryInput[] = []
  let changes = 0
  const service = (): AgentService => new AgentService({
    db: db.sublevel<string, unknown>('agents', { valueEncoding: 'json' }) as unknown as ProfileDb,
    nodeKey,
    self: 'self-peer',
    audit: { append: async (e) => { audit.push(e); return undefined as never } },
    logger: Object.assign(() => {}, { enabled: false }) as never,
    onChange: () => { changes++ }
  }, { keysDir: join(dir, 'agents'), passphrase: 'correct horse', scryptLogN: 10 })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mycel-agents-'))
    db = new Level(join(dir, 'db'), { valueEncoding: 'json' })
    await db.open()
  })
  after(async () => {
    await db.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('creates an agent with its own encrypted key and a node-issued cert, and keeps it across a restart', async () => {
    const s = service()
    await s.start()
    const p = await s.create({ name: 'researcher', model: 'tiny', tools: ['fs.*', 'fs.*'], description: 'reads the runbooks', maxSteps: 4 })
    assert.deepEqual(p.tools, ['fs.*'])
    assert.equal(p.budget.maxSteps, 4)
    const file = join(dir, 'agents', 'researcher.key')
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    const signer = await s.signer('researcher')
    assert.ok(signer != null)
    assert.equal(toHex(signer.publicKey), p.publicKey)
    // encrypted at rest: without the passphrase the key does not open
    await assert.rejects(loadKeyPair(file, AGENT_KEY_LABEL))
    const cert = verifyAgentCert(signer.cert, { node: nodeKey.publicKey })
    assert.equal(cert.name, 'researcher')
    assert.deepEqual(cert.agent, signer.publicKey)
    assert.deepEqual(s.cardAgents(), [{ name: 'researcher', model: 'tiny', tools: ['fs.*'], description: 'reads the runbooks' }])
    assert.equal(changes, 1)
    assert.ok(audit.some(e => e.type === 'agent.profile' && e.data?.action === 'create'))

    const again = service()
    await again.start()
    assert.deepEqual(again.list().map(x => x.name), ['researcher'])
    const reloaded = await again.signer('researcher')
    assert.deepEqual(reloaded?.publicKey, signer.publicKey, 'the same key, decrypted with the passphrase')
  })

  it('refuses a duplicate, a bad name and a bad budget, writing nothing', async () => {
    const s = service()
    await s.start()
    await assert.rejects(s.create({ name: 'researcher', model: 'tiny' }), { name: 'AgentExistsError' })
    await assert.rejects(s.create({ name: 'Bad Name', model: 'tiny' }), { name: 'InvalidAgentProfileError' })
    await assert.rejects(s.create({ name: 'ok-name', model: 'tiny', maxSteps: 0 }), { name: 'InvalidAgentProfileError' })
    await assert.rejects(s.create({ name: 'ok-name', model: 'tiny', tools: ['no spaces'] }), { name: 'InvalidAgentProfileError' })
    assert.deepEqual((await readdir(join(dir, 'agents'))).sort(), ['researcher.key'])
    assert.deepEqual(s.list().map(x => x.name), ['researcher'])
  })

  it('an agent.run naming no agent is refused: not-found, audited', async () => {
    const s = service()
    await s.start()
    const kind = s.kind(() => { throw new Error('the loop must not start') })
    const input = kind.parseInput({ agent: 'ghost', goal: 'boo' })
    await assert.rejects(kind.run(input, context()), (err: Error & { code?: string }) => err.name === 'TaskFailedError' && err.code === 'not-found' && /ghost/.test(err.message))
    assert.ok(audit.some(e => e.type === 'agent.refused' && e.data?.agent === 'ghost' && e.data?.reason === 'unknown-agent'))
    assert.throws(() => kind.parseInput({ agent: 'ghost', goal: '' }), { name: 'InvalidTaskInputError' })
    assert.throws(() => kind.parseInput({ agent: 'ghost', goal: 'x', budget: { maxSteps: 1e9 } }), { name: 'InvalidTaskInputError' })
  })

  it('removes an agent and its key', async () => {
    const s = service()
    await s.start()
    await s.remove('researcher')
    assert.deepEqual(s.list(), [])
    assert.deepEqual(await readdir(join(dir, 'agents')), [])
    assert.equal(await s.signer('researcher'), undefined)
    await assert.rejects(s.remove('researcher'), { name: 'UnknownAgentError' })
  })
})
