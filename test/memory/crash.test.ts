import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Level } from 'level'
import { MemoryStore } from '../../node/memory/index.ts'
import { tempDir, writeFiles } from './helpers.ts'

const CHILD = fileURLToPath(new URL('./fixtures/ingest-child.ts', import.meta.url))

function corpus (): Record<string, string> {
  const files: Record<string, string> = {}
  const words = ['harbour', 'ledger', 'orchard', 'turbine', 'glacier', 'meadow', 'quarry', 'lantern', 'pylon', 'canyon', 'falcon', 'beacon']
  let seed = 7
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
  const sentence = (i: number): string => `Sentence ${i} of the ${words[Math.floor(rnd() * words.length)]} report mentions the ${words[Math.floor(rnd() * words.length)]} twice and the ${words[Math.floor(rnd() * words.length)]} once.`
  for (let f = 0; f < 6; f++) {
    const parts: string[] = []
    for (let i = 0; i < 5000; i++) parts.push(sentence(i) + (i % 7 === 6 ? '\n\n' : ' '))
    files[`big-${f}.txt`] = parts.join('')
  }
  for (let f = 0; f < 30; f++) files[`small-${String(f).padStart(2, '0')}.md`] = `# Note ${f}\n\n${sentence(f)}\n\n${sentence(f + 1)}`
  return files
}

async function openAt (dir: string): Promise<{ store: MemoryStore, close: () => Promise<void> }> {
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open()
  const store = new MemoryStore({ db })
  await store.start()
  return { store, close: async () => { await store.stop(); await db.close() } }
}

/** What a user can observe of a store: documents with their hashes and chunk counts, and search results. */
async function observe (store: MemoryStore): Promise<unknown> {
  const docs = (await store.documents('crash')).map(d => [d.source, d.hash, d.chunks])
  const hits = []
  for (const q of ['harbour ledger', 'glacier turbine twice', 'Note 17', 'Sentence 4321']) {
    hits.push((await store.search(q, { collection: 'crash', k: 5 })).map(h => [h.source, h.text, h.score.toFixed(9)]))
  }
  return { collections: (await store.collections()).map(c => [c.name, c.documents, c.chunks]), docs, hits }
}

test('a node SIGKILLed during ingest restarts consistent, and the same ingest completes it', { timeout: 90_000 }, async (t) => {
  const root = await tempDir(t)
  const docs = join(root, 'docs')
  await writeFiles(docs, corpus())
  const crashed = join(root, 'crashed')

  const child = spawn(process.execPath, [CHILD, crashed, docs], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.after(() => { if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL') })
  const exit = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => child.on('exit', (code, signal) => resolve({ code, signal })))
  let out = ''
  let killing = false
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString()
      // three big documents committed; 80 ms into the fourth it is usually being written in several batches
      if (/progress 3\n/.test(out) && !killing) {
        killing = true
        setTimeout(() => { child.kill('SIGKILL'); resolve() }, 80)
      }
    })
    child.on('exit', () => resolve())
    child.on('error', reject)
  })
  const { signal } = await exit
  assert.equal(signal, 'SIGKILL', `child was not killed mid-way:\n${out}`)
  assert.ok(!out.includes('finished'))

  // the kill lands while the third big document is being written in several batches
  const raw = new Level<string, Uint8Array>(crashed, { keyEncoding: 'utf8', valueEncoding: 'view' })
  let halfWritten = 0
  for await (const _ of raw.keys({ gte: '!memory!pend/', lt: '!memory!pend/\uffff' })) halfWritten++
  await raw.close()
  t.diagnostic(`half-written documents found after the kill: ${halfWritten}`)

  const reopened = await openAt(crashed)
  try {
    const report = await reopened.store.check()
    assert.ok(report.ok, report.problems.join('\n'))
    const partial = await reopened.store.collections()
    assert.ok((partial[0]?.documents ?? 0) < 36, 'the kill came after the ingest finished')
    const r = await reopened.store.ingest([docs], { collection: 'crash' })
    assert.equal(r.skipped.length, 0)
    assert.equal(r.added.length + r.unchanged.length, 36)
    const after = await reopened.store.check()
    assert.ok(after.ok, after.problems.join('\n'))
    const clean = await openAt(join(root, 'clean'))
    try {
      await clean.store.ingest([docs], { collection: 'crash' })
      assert.deepEqual(await observe(reopened.store), await observe(clean.store))
    } finally {
      await clean.close()
    }
  } finally {
    await reopened.close()
  }
})
