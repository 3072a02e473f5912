/**
 * The session service over a real `level` database, with a scripted model
 * (`run` answers each llm.chat with a fixed reply and records the prompt):
 * what a turn sends, what it keeps, and what it refuses.
 */
import { describe, it, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { SessionService, sessionName, ForeignSessionError, InvalidSessionIdError, UnknownSessionError, InvalidTurnError, UnknownAgentError } from '../../node/sessions/index.ts'
import type { RunResult, RunSpec } from '../../node/tasks/index.ts'

const SELF = '12D3KooWGzx8kK2d3Vt4aT4D4pCZ6vW8nq3m1ZsYkTqG6r7Uu9Xy'
const OTHER = '12D3KooWQm5nS3pBQ2a7Yx4Lr9c1bVnF6e8D2hJkLmNoPqRsTuVw'

interface Rig { sessions: SessionService, prompts: Array<{ messages: Array<{ role: string, content: string }>, dataClass?: string, session?: string, priority?: string, model?: string }>, db: Level<string, Uint8Array>, dir: string, fail: { next: boolean } }

async function rig (t: TestContext, contextTokens = 2048, dir?: string): Promise<Rig> {
  const folder = dir ?? await mkdtemp(join(tmpdir(), 'mycel-sessions-'))
  const db = new Level<string, Uint8Array>(join(folder, 'db'), { valueEncoding: 'view' })
  await db.open()
  const prompts: Rig['prompts'] = []
  const fail = { next: false }
  const run = async (spec: RunSpec): Promise<RunResult> => {
    const input = spec.input as { messages: Array<{ role: string, content: string }>, session?: string, model?: string }
    prompts.push({ messages: input.messages, ...(input.model != null ? { model: input.model } : {}), ...(spec.dataClass != null ? { dataClass: spec.dataClass } : {}), ...(input.session != null ? { session: input.session } : {}), ...(spec.priority != null ? { priority: spec.priority } : {}) })
    if (fail.next) { fail.next = false; throw new Error('executor gone') }
    spec.onEvent?.({ type: 'text', text: 'ok' })
    return { taskId: 'a'.repeat(32), executor: SELF, output: spec.priority === 'background' ? 'SUMMARY of earlier turns' : 'ok', usage: { promptTokens: 1, completionTokens: 1 }, attempts: 1 }
  }
  const sessions = new SessionService({ self: SELF, db, logger: Object.assign(() => {}, { enabled: false }) as any, run, contextSizeOf: async () => contextTokens, defaultModel: async () => 'tiny', agentProfile: (name) => name === 'scribe' ? { model: 'scribe-model', system: 'You keep minutes.' } : undefined })
  await sessions.start()
  t.after(async () => { await sessions.stop(); await db.close(); if (dir == null) await rm(folder, { recursive: true, force: true }) })
  return { sessions, prompts, db, dir: folder, fail }
}

const user = (content: string) => ({ role: 'user' as const, content })

describe('session service', { timeout: 60_000 }, () => {
  it('ids: a name, or this node\'s PEER/NAME; another node\'s and bad ones are refused', () => {
    assert.equal(sessionName('notes', SELF), 'notes')
    assert.equal(sessionName(`${SELF}/notes`, SELF), 'notes')
    assert.throws(() => sessionName(`${OTHER}/notes`, SELF), ForeignSessionError)
    for (const bad of ['', 'a b', '../x', '-x', 'x'.repeat(65), `${SELF}/`, 'nope/x', 'a\u0000b', 7]) {
      assert.throws(() => sessionName(bad, SELF), InvalidSessionIdError, String(bad))
    }
  })

  it('a second turn sends the first turn before the new message; turns are local-only by default and carry the session key', async (t) => {
    const r = await rig(t)
    const first = await r.sessions.turn({ session: 'notes', messages: [user('My name is Ada')] })
    assert.equal(first.session, `${SELF}/notes`)
    await r.sessions.turn({ session: 'notes', messages: [user('What is my name?')] })
    const second = r.prompts.at(-1)
    assert.deepEqual(second?.messages.map(m => m.content), ['My name is Ada', 'ok', 'What is my name?'])
    assert.equal(second?.dataClass, 'local-only')
    assert.equal(second?.session, `${SELF}/notes`)
    const shown = await r.sessions.show('notes')
    assert.deepEqual(shown.history.map(h => `${h.role}:${h.content}`), ['user:My name is Ada', 'assistant:ok', 'user:What is my name?', 'assistant:ok'])
    assert.equal(shown.turns, 4)
    assert.equal(shown.title, 'My name is Ada')
  })

  it('history persists across a reopen of the database', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'mycel-sessions-'))
    t.after(async () => { await rm(dir, { recursive: true, force: true }) })
    const a = await rig(t, 2048, dir)
    await a.sessions.turn({ session: 'keep', messages: [user('remember the blue door')] })
    await a.sessions.stop(); await a.db.close()
    const b = await rig(t, 2048, dir)
    await b.sessions.turn({ session: 'keep', messages: [user('which door?')] })
    assert.deepEqual(b.prompts.at(-1)?.messages.map(m => m.content), ['remember the blue door', 'ok', 'which door?'])
  })

  it('a failed turn keeps nothing', async (t) => {
    const r = await rig(t)
    await r.sessions.turn({ session: 's', messages: [user('one')] })
    r.fail.next = true
    await assert.rejects(r.sessions.turn({ session: 's', messages: [user('two')] }), /executor gone/)
    assert.deepEqual((await r.sessions.show('s')).history.map(h => h.content), ['one', 'ok'])
  })

  it('past the window older turns are summarised, and an early fact is recalled by search', async (t) => {
    const r = await rig(t, 512)
    await r.sessions.turn({ session: 'long', messages: [user('The vault code is 7481 zebra.')], sampling: { maxTokens: 8 } })
    for (let i = 0; i < 8; i++) {
      await r.sessions.turn({ session: 'long', messages: [user(`Filler message number ${i} about the weather, the sea, the hills and the long road home.`)], sampling: { maxTokens: 8 } })
    }
    const done = await r.sessions.turn({ session: 'long', messages: [user('What is the vault code?')], sampling: { maxTokens: 8 } })
    const shown = await r.sessions.show('long')
    assert.equal(shown.summary?.text, 'SUMMARY of earlier turns')
    assert.ok(r.prompts.some(p => p.priority === 'background'), 'a summary was asked for')
    const last = r.prompts.at(-1)?.messages ?? []
    assert.ok(!last.some(m => m.content === 'The vault code is 7481 zebra.'), 'the fact is no longer verbatim')
    assert.ok(last.some(m => m.role === 'system' && m.content.startsWith('Summary of the earlier conversation')))
    assert.ok(last.some(m => m.role === 'system' && m.content.includes('Relevant earlier conversation') && m.content.includes('7481 zebra')), 'recalled')
    assert.ok(done.recalled >= 1)
    assert.ok((shown.lastContext?.estimatedTokens ?? Infinity) <= 512 - 8)
    const hits = await r.sessions.search('vault code', { session: 'long' })
    assert.ok(hits.some(h => h.seq === 0 && h.kind === 'turn' && h.text === 'The vault code is 7481 zebra.'), 'the early turn is found by search')
  })

  it('a session never recalls turns of a stricter class', async (t) => {
    const r = await rig(t)
    await r.sessions.turn({ session: 'secret', messages: [user('the launch password is heron')] })
    await r.sessions.turn({ session: 'open', dataClass: 'internal', messages: [user('what is the launch password?')] })
    assert.ok(!r.prompts.at(-1)?.messages.some(m => m.content.includes('heron')))
    await r.sessions.turn({ session: 'secret2', messages: [user('what is the launch password?')] })
    assert.ok(r.prompts.at(-1)?.messages.some(m => m.content.includes('heron')), 'local-only may recall local-only')
  })

  it('a session under an agent takes its model and system text; an unknown agent is refused', async (t) => {
    const r = await rig(t)
    await r.sessions.turn({ session: 'minutes', agent: 'scribe', messages: [user('note the budget')] })
    await r.sessions.turn({ session: 'minutes', messages: [user('and the date')] })
    for (const p of r.prompts) {
      assert.equal(p.model, 'scribe-model')
      assert.deepEqual(p.messages[0], { role: 'system', content: 'You keep minutes.' })
    }
    await assert.rejects(r.sessions.turn({ session: 'other', agent: 'ghost', messages: [user('x')] }), UnknownAgentError)
    assert.equal(r.prompts.length, 2)
  })

  it('lists most recent first, removes, and refuses unknown, foreign and empty', async (t) => {
    const r = await rig(t)
    await r.sessions.turn({ session: 'a', messages: [user('x')] })
    await r.sessions.turn({ session: 'b', messages: [user('y')] })
    assert.deepEqual((await r.sessions.list()).map(s => s.name), ['b', 'a'])
    assert.deepEqual(await r.sessions.remove('a'), { removed: `${SELF}/a` })
    assert.deepEqual((await r.sessions.list()).map(s => s.name), ['b'])
    await assert.rejects(r.sessions.show('a'), UnknownSessionError)
    await assert.rejects(r.sessions.remove('a'), UnknownSessionError)
    await assert.rejects(r.sessions.turn({ session: `${OTHER}/b`, messages: [user('x')] }), ForeignSessionError)
    await assert.rejects(r.sessions.turn({ session: 'b', messages: [] }), InvalidTurnError)
    assert.equal(r.prompts.length, 2, 'nothing ran for the refused turns')
  })
})
