import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Level } from 'level'
import { ConversationMemory, type SummarizeInput } from '../../node/memory/index.ts'
import { tempDir } from './helpers.ts'

/** One token per word. */
const countTokens = (text: string): number => text.split(/\s+/).filter(Boolean).length

async function open (t: import('node:test').TestContext): Promise<ConversationMemory> {
  const db = new Level<string, Uint8Array>(join(await tempDir(t), 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
  const conv = new ConversationMemory({ db })
  await conv.start()
  t.after(async () => { await conv.stop(); await db.close() })
  return conv
}

test('short history: all turns verbatim, nothing summarised', async (t) => {
  const conv = await open(t)
  await conv.append('a1', 's1', { role: 'user', content: 'hello there' })
  await conv.append('a1', 's1', { role: 'assistant', content: 'hi, how can I help' })
  const ctx = await conv.buildContext({ agent: 'a1', session: 's1', budgetTokens: 100, countTokens, summarize: async () => assert.fail('no summary needed') })
  assert.deepEqual(ctx.messages, [{ role: 'user', content: 'hello there' }, { role: 'assistant', content: 'hi, how can I help' }])
  assert.equal(ctx.summarized, false)
})

test('a long chat is summarised, stays within budget, and the summary is stored and searchable', async (t) => {
  const conv = await open(t)
  const calls: SummarizeInput[] = []
  const summarize = async (input: SummarizeInput): Promise<string> => {
    calls.push(input)
    return `summary covering turns up to ${(input.turns.at(-1)?.seq ?? -1)}; earlier: ${input.previousSummary ?? 'none'}`.split(' ').slice(0, input.maxTokens).join(' ')
  }
  await conv.append('a1', 's1', { role: 'user', content: 'My dog is called Biscuit and she loves the beach.' })
  for (let i = 1; i < 40; i++) {
    await conv.append('a1', 's1', { role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${i} talks about item ${i} with a few filler words here` })
  }
  const budget = 100
  const ctx = await conv.buildContext({ agent: 'a1', session: 's1', query: 'what is my dog called?', budgetTokens: budget, countTokens, summarize })
  assert.equal(ctx.summarized, true)
  assert.equal(calls.length, 1)
  assert.ok(ctx.tokens <= budget, `${ctx.tokens} tokens`)
  assert.ok(ctx.messages.reduce((s, m) => s + countTokens(m.content), 0) <= budget)
  // the most recent turn is verbatim, followed only by the recall block (it changes every turn: last keeps the rest a stable prefix)
  assert.equal(ctx.messages.at(-2)?.content, 'turn 39 talks about item 39 with a few filler words here')
  assert.match(ctx.messages.at(-1)?.content ?? '', /^Relevant earlier conversation:\n.*Biscuit/)
  // the summary comes first
  assert.match(ctx.messages[0]?.content ?? '', /^Summary of the earlier conversation:\nsummary covering turns up to/)
  // the turn about the dog was evicted, and recalled because the query is about it
  assert.ok(ctx.recalled.some(r => r.seq === 0))
  assert.ok(ctx.messages.some(m => m.role === 'system' && m.content.includes('Biscuit')))
  const summary = await conv.summary('a1', 's1')
  assert.equal(summary?.upTo, (calls[0]?.turns.at(-1)?.seq ?? 0) + 1)
  const found = await conv.search('a1', 'summary covering turns')
  assert.equal(found[0]?.kind, 'summary')

  // the next turn fits without another summary (eviction made room), later ones roll the summary forward
  await conv.append('a1', 's1', { role: 'user', content: 'and one more' })
  const next = await conv.buildContext({ agent: 'a1', session: 's1', budgetTokens: budget, countTokens, summarize })
  assert.equal(next.summarized, false)
  for (let i = 0; i < 20; i++) await conv.append('a1', 's1', { role: 'user', content: `later turn ${i} with more filler words to push the window` })
  const later = await conv.buildContext({ agent: 'a1', session: 's1', budgetTokens: budget, countTokens, summarize })
  assert.equal(later.summarized, true)
  assert.match(calls[1]?.previousSummary ?? '', /^summary covering turns up to/)
  assert.ok(later.tokens <= budget)
})

test('relevant turns are recalled from the agent\'s other sessions, not from other agents', async (t) => {
  const conv = await open(t)
  await conv.append('a1', 'old', { role: 'user', content: 'The wifi password for the cabin is marmalade42.' })
  await conv.append('a2', 'x', { role: 'user', content: 'The wifi password for the office is hunter2.' })
  await conv.append('a1', 'new', { role: 'user', content: 'What was the wifi password for the cabin?' })
  const ctx = await conv.buildContext({ agent: 'a1', session: 'new', budgetTokens: 200, countTokens, summarize: async () => '' })
  const recall = ctx.messages.find(m => m.content.startsWith('Relevant earlier conversation'))
  assert.match(recall?.content ?? '', /session old, user\) The wifi password for the cabin is marmalade42/)
  assert.doesNotMatch(recall?.content ?? '', /hunter2/)
  assert.deepEqual((await conv.sessions('a1')).sort(), ['new', 'old'])
})

test('with a key, turns and summaries are sealed at rest and a wrong key is refused', async (t) => {
  const dir = join(await tempDir(t), 'db')
  const key = new Uint8Array(32).fill(3)
  {
    const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    const conv = new ConversationMemory({ db }, { encryptionKey: key })
    await conv.start()
    await conv.append('agent-marmot', 'session-otter', { role: 'user', content: 'the vault combination is quincunx' })
    assert.equal((await conv.turns('agent-marmot', 'session-otter'))[0]?.content, 'the vault combination is quincunx')
    await conv.stop()
    await db.close()
  }
  const { readdir, readFile } = await import('node:fs/promises')
  for (const f of await readdir(dir)) {
    const bytes = await readFile(join(dir, f))
    for (const word of ['quincunx', 'marmot', 'otter']) assert.equal(bytes.includes(word), false, `${word} in ${f}`)
  }
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await assert.rejects(new ConversationMemory({ db }, { encryptionKey: new Uint8Array(32).fill(4) }).start(), { name: 'WrongKeyError' })
  await db.close()
})
