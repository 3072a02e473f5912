import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { symlink } from 'node:fs/promises'
import { Level } from 'level'
import { mayRead, memory, memoryService, NodeMemory, setCollectionClass } from '../../node/memory/index.ts'
import type { DecisionRequest } from '../../node/policy/types.ts'
import { createLogger } from '../../node/logger.ts'
import { tempDir, writeFiles, stubEmbed } from './helpers.ts'

test('the memory service shares one level database with the node and stops idempotently', async (t) => {
  const dir = await tempDir(t)
  const docs = await tempDir(t)
  await writeFiles(docs, { 'a.txt': 'Kiln temperatures are logged every hour.' })
  await symlink(join(docs, 'a.txt'), join(docs, 'link.txt'))
  const db = new Level<string, Uint8Array>(join(dir, 'node'), { keyEncoding: 'utf8', valueEncoding: 'view' })
  t.after(async () => { await db.close() })
  await db.sublevel('audit').put('x', 'other services keep their own sublevels')
  const svc = memory({ embed: stubEmbed() })({ db })
  await svc.start()
  const r = await svc.store.ingest([docs], { collection: 'plant' })
  assert.deepEqual(r.skipped.map(s => s.reason), ['symbolic link (name it to ingest it)'])
  assert.equal((await svc.store.search('kiln temperatures'))[0]?.source, join(docs, 'a.txt'))
  await svc.conversations.append('agent', 's', { role: 'user', content: 'hello' })
  await svc.stop()
  await svc.stop()
  await assert.rejects(svc.store.search('kiln'), { name: 'StoreClosedError' })
  assert.equal(await db.sublevel('audit').get('x'), 'other services keep their own sublevels')
})

test('the node memory service knows each collection\'s class and advertises none that is local-only', async (t) => {
  const home = await tempDir(t)
  const docs = await tempDir(t)
  await writeFiles(docs, { 'hr/leave.md': 'Parental leave is sixteen weeks.', 'board/merger.md': 'The merger with Initech closes in March.' })
  const files = { memoryDir: join(home, 'data', 'memory'), collections: join(home, 'collections.json') }
  await setCollectionClass(files.collections, 'board-minutes', 'local-only')
  const mem = memoryService()({ files, logger: createLogger('test:memory') })
  await assert.rejects(async () => mem.store, { name: 'StoreClosedError' })
  await mem.start()
  await mem.start()
  t.after(async () => { await mem.stop() })
  await mem.store.ingest([join(docs, 'hr')], { collection: 'hr' })
  await mem.store.ingest([join(docs, 'board')], { collection: 'board-minutes' })
  await mem.refresh()
  assert.equal(mem.classOf('hr'), 'internal')
  assert.equal(mem.classOf('board-minutes'), 'local-only')
  assert.deepEqual(mem.advertisedCollections(), [{ name: 'hr', classification: 'internal', documents: 1, chunks: 1 }])
  assert.ok(!JSON.stringify(mem.advertisedCollections()).includes('board-minutes'))
  await mem.stop()
  await mem.stop()
  await assert.rejects(async () => mem.store, { name: 'StoreClosedError' })
  // the earlier entry point opens the same store and shows the card the same list
  const legacy = await NodeMemory.open({ dir: files.memoryDir, classesPath: files.collections, logger: createLogger('test:memory') })
  t.after(async () => { await legacy.close() })
  assert.deepEqual(legacy.collections, [{ name: 'hr', classification: 'internal', documents: 1, chunks: 1 }])
  assert.equal((await legacy.opened.store.collections()).length, 2)
})

test('mayRead asks the policy only for members, with the collection and its class', () => {
  const asked: DecisionRequest[] = []
  const may = mayRead({
    groupsOf: (peerId) => peerId === 'member' ? ['staff'] : undefined,
    policy: { decide: (req) => { asked.push(req); return { allow: req.collection === 'hr', rule: 'r', reason: 'test' } } }
  })
  assert.equal(may('member', 'memory.search', 'hr', 'internal'), true)
  assert.equal(may('member', 'memory.search', 'finance', 'internal'), false)
  assert.equal(may('stranger', 'memory.search', 'hr', 'internal'), false)
  assert.deepEqual(asked.map(r => [r.peerId, r.groups, r.collection, r.dataClass, r.direction]), [['member', ['staff'], 'hr', 'internal', 'inbound'], ['member', ['staff'], 'finance', 'internal', 'inbound']])
})
