import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { symlink } from 'node:fs/promises'
import { Level } from 'level'
import { memory } from '../../node/memory/index.ts'
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
