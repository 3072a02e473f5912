/**
 * Sources through a running node process and the CLI: a git repository
 * (a path, or a URL mirrored with the git binary) re-ingests only the files
 * a new commit changed, a watched folder's edit is
 * searchable within seconds, a PDF and a mail message are found, and bad
 * input (not a repository, a source added twice, an mbox with broken
 * encodings, a watched folder deleted) gets one clear message while the
 * node keeps serving.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { commit, makePdf, mbox } from './fixtures.ts'
import type { SourceSummary, SyncReport } from '../../node/sources/index.ts'

interface Hit { text: string, source: string, collection: string }

describe('sources through a node process', { timeout: 240_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let work: string

  before(async () => {
    work = await h.tempDir('mycel-sources-')
    alpha = await h.start(await h.found('acme', 'alpha'))
  })

  const search = async (query: string, collection: string): Promise<Hit[]> => await alpha.post<Hit[]>('/api/memory/search', { query, collection, k: 5 })
  const sources = async (): Promise<SourceSummary[]> => await alpha.get<SourceSummary[]>('/api/sources')

  it('a git source re-ingests only the files of a new commit, each with its path and commit', async () => {
    const repo = join(work, 'repo')
    await mkdir(repo)
    const files: Record<string, string> = {}
    for (let i = 0; i < 8; i++) files[`docs/page-${i}.md`] = `Page ${i} of the handbook covers topic number ${i}.\n`
    files['README.md'] = 'The handbook of Acme.\n'
    await commit(repo, files, 'first')
    const add = await h.cli(alpha.home, ['sources', 'add', 'git', repo, '--collection', 'hb', '--json'])
    assert.equal(add.code, 0, add.stderr)
    const first = add.json<{ source: SourceSummary, sync: SyncReport }>()
    assert.equal(first.sync.added, 9)
    const second = await commit(repo, { 'docs/page-3.md': 'Page 3 now explains the velvet staircase.\n', 'docs/new.md': 'A new page about the copper kettle.\n', 'docs/page-5.md': null }, 'second')
    const sync = await h.cli(alpha.home, ['sources', 'sync', first.source.id, '--json'])
    assert.equal(sync.code, 0, sync.stderr)
    const [report] = sync.json<SyncReport[]>()
    assert.deepEqual([report?.added, report?.updated, report?.removed, report?.unchanged], [1, 1, 1, 0], JSON.stringify(report))
    assert.equal(report?.commit, second)
    const hits = await search('velvet staircase', 'hb')
    assert.equal(hits[0]?.source, join(repo, 'docs/page-3.md'))
    const docs = await alpha.get<Array<{ source: string, commit?: string, rel?: string, sourceId?: string }>>('/api/memory/documents?collection=hb')
    assert.equal(docs.length, 9)
    assert.deepEqual(docs.find(d => d.rel === 'docs/page-3.md')?.commit, second)
    assert.ok(docs.every(d => d.sourceId === first.source.id))
    assert.equal((await search('topic number 5', 'hb')).some(x => x.source.endsWith('page-5.md')), false, 'the deleted file is gone')
    // nothing new: nothing written
    const idle = (await h.cli(alpha.home, ['sources', 'sync', first.source.id, '--json'])).json<SyncReport[]>()[0]
    assert.deepEqual([idle?.added, idle?.updated, idle?.removed, idle?.unchanged], [0, 0, 0, 0])
  })

  it('a remote repository by URL is mirrored and synced the same way; a bad URL gets one clear line', async () => {
    const upstream = join(work, 'upstream')
    await mkdir(upstream)
    await commit(upstream, { 'guide.md': 'The remote guide mentions the amber lighthouse.\n', 'notes/a.md': 'Note A.\n' }, 'first')
    const url = `file://${upstream}`
    const add = await h.cli(alpha.home, ['sources', 'add', 'git', url, '--collection', 'remote', '--json'])
    assert.equal(add.code, 0, add.stderr)
    const first = add.json<{ source: SourceSummary, sync: SyncReport }>()
    assert.equal(first.sync.added, 2)
    assert.equal((await search('amber lighthouse', 'remote'))[0]?.source, `${url}/guide.md`)
    const second = await commit(upstream, { 'notes/b.md': 'Note B talks about the silver compass.\n', 'notes/a.md': null }, 'second')
    const [report] = (await h.cli(alpha.home, ['sources', 'sync', first.source.id, '--json'])).json<SyncReport[]>()
    assert.deepEqual([report?.added, report?.updated, report?.removed], [1, 0, 1], JSON.stringify(report))
    assert.equal(report?.commit, second)
    assert.equal((await search('silver compass', 'remote'))[0]?.source, `${url}/notes/b.md`)
    // an unreachable remote is kept (it may come back) and its error said in one line, as ls shows it
    const bad = await h.cli(alpha.home, ['sources', 'add', 'git', `file://${join(work, 'no-such-repo')}`, '--collection', 'nowhere', '--json'])
    assert.notEqual(bad.code, 0)
    const broken = bad.json<{ source: SourceSummary, sync: SyncReport }>()
    assert.match(broken.sync.error ?? '', /no-such-repo.*does not appear to be a git repository/)
    assert.equal((broken.sync.error ?? '').split('\n').length, 1)
    assert.equal((await h.cli(alpha.home, ['sources', 'rm', broken.source.id])).code, 0)
    const creds = await h.cli(alpha.home, ['sources', 'add', 'git', 'https://user:secret@example.com/r.git', '--collection', 'nowhere'])
    assert.notEqual(creds.code, 0)
    assert.doesNotMatch(creds.stderr, /secret/)
    assert.ok(!(await sources()).some(x => x.target.includes('example.com')), 'a URL with credentials is not kept')
    assert.equal((await h.cli(alpha.home, ['sources', 'rm', first.source.id])).code, 0)
  })

  it('a folder that is not a repository, and a source added twice, get one clear line each', async () => {
    const plain = join(work, 'plain')
    await mkdir(plain)
    const notRepo = await h.cli(alpha.home, ['sources', 'add', 'git', plain])
    assert.notEqual(notRepo.code, 0)
    assert.match(notRepo.stderr, /is not a git repository/)
    assert.doesNotMatch(notRepo.stderr, /at .*\.ts:\d+/, 'no stack trace')
    const twice = await h.cli(alpha.home, ['sources', 'add', 'git', join(work, 'repo')])
    assert.notEqual(twice.code, 0)
    assert.match(twice.stderr, /already a source \(git-/)
    assert.equal((await sources()).filter(s => s.kind === 'git').length, 1)
  })

  it('a watched folder: an edited file is searchable within seconds, a PDF is found, a deleted file is pruned', async () => {
    const folder = join(work, 'watched')
    await mkdir(folder)
    await writeFile(join(folder, 'menu.md'), 'Monday: lentil soup.\n')
    await writeFile(join(folder, 'old.txt'), 'The obsolete fax machine lives in room nine.\n')
    await writeFile(join(folder, 'guide.pdf'), await makePdf([['Visitors sign in at the marble reception desk.']]))
    const add = await h.cli(alpha.home, ['sources', 'add', 'folder', folder, '--collection', 'office', '--json'])
    assert.equal(add.code, 0, add.stderr)
    assert.equal(add.json<{ sync: SyncReport }>().sync.added, 3)
    assert.equal((await search('marble reception desk', 'office'))[0]?.source, join(folder, 'guide.pdf'))
    await writeFile(join(folder, 'menu.md'), 'Monday: lentil soup.\nTuesday: pumpkin gnocchi with sage.\n')
    await rm(join(folder, 'old.txt'))
    await waitFor(async () => (await search('pumpkin gnocchi', 'office'))[0]?.source === join(folder, 'menu.md'), { what: 'the edit to be searchable', timeoutMs: 60_000, intervalMs: 200 })
    await waitFor(async () => (await search('obsolete fax machine', 'office')).length === 0, { what: 'the deleted file to be pruned', timeoutMs: 60_000, intervalMs: 200 })
    // the folder goes away under the watcher: reported, documents kept, the node serves on
    await rm(folder, { recursive: true })
    await waitFor(async () => (await sources()).find(s => s.target === folder)?.errors.some(e => /is gone/.test(e)) === true, { what: 'the gone folder to be reported', timeoutMs: 60_000, intervalMs: 200 })
    const ls = await h.cli(alpha.home, ['sources', 'ls'])
    assert.equal(ls.code, 0, ls.stderr)
    assert.match(ls.stdout, /is gone/)
    assert.equal((await search('pumpkin gnocchi', 'office')).length, 1)
  })

  it('an mbox: one document per message with its headers; a broken charset or encoding does not stop the rest', async () => {
    const file = join(work, 'inbox.mbox')
    await writeFile(file, mbox([
      'From: Ada <ada@example.com>\nTo: team@example.com\nSubject: Offsite in Lisbon\nDate: Tue, 01 Dec 2026 10:00:00 +0000\nMessage-ID: <offsite@example.com>\n\nThe offsite moves to the tram museum in Lisbon.\n',
      'From: Bob <bob@example.com>\nTo: team@example.com\nSubject: =?x-unknown-charset?B?////?=\nContent-Type: text/plain; charset=x-unknown-charset\nContent-Transfer-Encoding: base64\nMessage-ID: <broken@example.com>\n\n!!!not base64 at all\xff\xfe\n',
      'From: Cy <cy@example.com>\nTo: team@example.com\nSubject: Parking\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\nMessage-ID: <parking@example.com>\n\nThe garage caf=E9 closes at noon=\n on Fridays.\n'
    ]))
    const add = await h.cli(alpha.home, ['sources', 'add', 'mbox', file, '--collection', 'mail', '--json'])
    assert.equal(add.code, 0, add.stderr)
    const r = add.json<{ sync: SyncReport }>().sync
    assert.equal(r.added + r.skipped.length, 3, JSON.stringify(r))
    assert.ok(r.added >= 2)
    const [hit] = await search('tram museum Lisbon', 'mail')
    assert.equal(hit?.source, `${file}#<offsite@example.com>`)
    assert.match(hit?.text ?? '', /Subject: Offsite in Lisbon/)
    assert.match(hit?.text ?? '', /From: "?Ada"? <ada@example.com>/)
    assert.match((await search('garage café noon', 'mail'))[0]?.text ?? '', /The garage café closes at noon on Fridays/)
    assert.equal((await alpha.get<{ ok?: boolean }>('/api/status') as { peerId: string }).peerId, alpha.peerId)
  })
})
