/**
 * The output check: a result that reproduces a passage of a collection its
 * recipient may not read is refused and audited (digests only); a
 * paraphrase, a short common phrase or a public collection's passage is not.
 * The index follows a real memory store through ingest and removal.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { DataClass } from '../../protocol/task/messages.ts'
import { createLogger } from '../../node/logger.ts'
import { FingerprintIndex, Guard, OutputCheck, OutputRefusedError, textOf } from '../../node/guard/index.ts'
import { openStore, tempDir, writeFiles } from '../memory/helpers.ts'

const SECRET = 'The Orion merger closes on the ninth of March at a price of forty one dollars per share.'
const PUBLIC = 'Our office in Lisbon opens at nine in the morning and closes at six in the evening every weekday.'
const ALICE = 'peer-alice'
const SELF = 'peer-self'

interface Entry { type: string, peer?: string, task?: string, data?: Record<string, unknown> }

function setup (classes: Record<string, DataClass>, permitted: (peer: string, collection: string) => boolean = () => false): { check: OutputCheck, index: FingerprintIndex, entries: Entry[] } {
  const index = new FingerprintIndex()
  const entries: Entry[] = []
  const check = new OutputCheck({
    index,
    classOf: (c) => classes[c] ?? 'internal',
    mayRead: (peer, _kind, c) => permitted(peer, c),
    audit: { append: async (e) => { entries.push(e) } },
    self: () => SELF,
    logger: createLogger('test:guard')
  })
  return { check, index, entries }
}

describe('the output check', { timeout: 20_000 }, () => {
  it('refuses a local-only passage in a result, and audits digests, never the text', async () => {
    const { check, index, entries } = setup({ board: 'local-only' })
    index.set('board', [SECRET])
    const result = `Sure! Here it is: the ORION merger closes on the ninth of March, at a price of forty-one dollars per share.`
    await assert.rejects(check.assertAllowed(ALICE, result, { task: 't1', kind: 'echo' }), (err: Error) => err.name === OutputRefusedError.name && (err as OutputRefusedError).code === 'output-refused')
    assert.equal(entries.length, 1)
    const e = entries[0] as Entry
    assert.equal(e.type, 'guard.output-refused')
    assert.equal(e.peer, ALICE)
    assert.equal(e.task, 't1')
    assert.equal(e.data?.dataClass, 'local-only')
    assert.ok((e.data?.shingles as number) >= 1)
    const flat = JSON.stringify(e, (_k, v) => v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)
    for (const word of ['Orion', 'merger', 'board', 'March']) assert.equal(flat.toLowerCase().includes(word.toLowerCase()), false, word)
  })

  it('lets a paraphrase, a short common phrase and this node itself through', async () => {
    const { check, index, entries } = setup({ board: 'local-only' })
    index.set('board', [SECRET])
    await check.assertAllowed(ALICE, 'A merger with Orion is expected to close in early March, around forty dollars a share.')
    await check.assertAllowed(ALICE, 'It closes on the ninth of March.')
    await check.assertAllowed(SELF, SECRET)
    assert.equal(entries.length, 0)
  })

  it('a public collection\'s passage is fine; a confidential one only to a permitted peer', async () => {
    const { check, index } = setup({ site: 'public', deals: 'confidential' }, (peer, c) => peer === 'peer-bob' && c === 'deals')
    index.set('site', [PUBLIC])
    index.set('deals', [SECRET])
    await check.assertAllowed(ALICE, PUBLIC)
    await check.assertAllowed('peer-bob', SECRET)
    await assert.rejects(check.assertAllowed(ALICE, SECRET), { name: 'OutputRefusedError' })
  })

  it('streamed pieces: a passage split across pieces is caught, and fewer than a shingle of it went out', () => {
    const { check, index } = setup({ board: 'local-only' })
    index.set('board', [SECRET])
    const stream = check.stream(ALICE)
    let released = ''
    let refused = false
    for (const piece of ['Notes: the Orion mer', 'ger closes on the ni', 'nth of March at a price of forty one dollars']) {
      const r = stream.push(piece)
      if ('violation' in r) { refused = true; break }
      released += r.release
    }
    assert.ok(refused)
    assert.ok(!released.toLowerCase().includes('orion merger closes on the ninth of march'), `released: ${released}`)
    // a harmless stream comes out whole, in order
    const ok = check.stream(ALICE)
    let out = ''
    for (const piece of ['one two three ', 'four five six seven eight ', 'nine ten eleven.']) {
      const r = ok.push(piece)
      assert.ok('release' in r)
      out += r.release
    }
    const end = ok.end()
    assert.ok('release' in end)
    assert.equal(out + end.release, 'one two three four five six seven eight nine ten eleven.')
  })

  it('reads every string of a structured result', () => {
    assert.equal(textOf({ answer: 'a', sources: [{ n: 1, source: 'b' }], nested: { deep: ['c'] } }), 'a\nb\nc')
  })

  it('follows a real memory store: ingest indexes a restricted collection, removal and reclassification drop it', async (t) => {
    const dir = await tempDir(t)
    await writeFiles(dir, { 'merger.md': `# Board\n\n${SECRET}\n`, 'site.md': PUBLIC })
    const { store } = await openStore(t)
    await store.ingest([join(dir, 'merger.md')], { collection: 'board' })
    await store.ingest([join(dir, 'site.md')], { collection: 'site' })
    const classes: Record<string, DataClass> = { board: 'local-only', site: 'public' }
    const entries: Entry[] = []
    const guard = new Guard({
      memory: () => store,
      classOf: (c) => classes[c] ?? 'internal',
      mayRead: () => false,
      audit: { append: async (e) => { entries.push(e) } },
      self: () => SELF,
      logger: createLogger('test:guard')
    })
    await guard.start()
    assert.deepEqual(guard.index.collections(), ['board'], 'only the restricted collection is fingerprinted')
    await assert.rejects(guard.output.assertAllowed(ALICE, `fyi: ${SECRET}`), { name: 'OutputRefusedError' })
    await guard.output.assertAllowed(ALICE, PUBLIC)
    await store.removeDocument('board', join(dir, 'merger.md'))
    await guard.sync()
    await guard.output.assertAllowed(ALICE, SECRET)
    await store.ingest([join(dir, 'merger.md')], { collection: 'board' })
    await guard.sync()
    await assert.rejects(guard.output.assertAllowed(ALICE, SECRET), { name: 'OutputRefusedError' })
    classes.board = 'internal'
    await guard.sync()
    assert.equal(guard.index.size, 0)
    assert.equal(entries.length, 2)
    guard.stop()
  })

  it('the index is bounded: past its limit a collection is fingerprinted in part', () => {
    const index = new FingerprintIndex({ maxFingerprints: 5, shingleWords: 3 })
    assert.equal(index.set('a', ['w1 w2 w3 w4 w5 w6 w7 w8 w9 w10']), false)
    assert.equal(index.size, 5)
    index.delete('a')
    assert.equal(index.size, 0)
  })

  it('a rebuild swaps the whole set in at the end, so checks meanwhile still see the old passages', async () => {
    const index = new FingerprintIndex()
    index.set('board', [SECRET])
    let seenMidway: number | undefined
    async function * texts (): AsyncGenerator<string> {
      yield PUBLIC
      seenMidway = index.match(SECRET).length
      yield 'another line of the new version of the minutes, long enough to shingle'
    }
    assert.equal(await index.replace('board', texts()), true)
    assert.equal(seenMidway, 1, 'the old fingerprints held while the new ones were read')
    assert.equal(index.match(SECRET).length, 0)
    assert.equal(index.match(PUBLIC).length, 1)
  })
})
