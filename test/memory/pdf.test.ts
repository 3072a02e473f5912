/**
 * PDF ingest through unpdf: a sentence of a PDF is found; a PDF with no
 * text layer, a broken one and one past the size bound are each reported
 * with their reason, and the rest of the ingest goes on.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, openStore } from './helpers.ts'
import { makePdf } from '../sources/fixtures.ts'
import { pdfToText } from '../../node/memory/index.ts'

describe('PDF ingest', { timeout: 60_000 }, () => {
  it('finds a PDF\'s sentence and reports the PDFs it cannot read', async (t) => {
    const dir = await tempDir(t)
    await writeFile(join(dir, 'handbook.pdf'), await makePdf([['Chapter one.'], ['The cafeteria serves saffron risotto on Thursdays.']]))
    await writeFile(join(dir, 'scan.pdf'), await makePdf([[]]))
    await writeFile(join(dir, 'broken.pdf'), Buffer.from('%PDF-1.7\nthis is not really a pdf at all\n%%EOF\n'))
    await writeFile(join(dir, 'notes.md'), 'Plain notes about the parking garage.\n')
    const { store } = await openStore(t)
    const r = await store.ingest([dir], { collection: 'kb' })
    assert.deepEqual(r.added.sort(), [join(dir, 'handbook.pdf'), join(dir, 'notes.md')])
    const reasons = Object.fromEntries(r.skipped.map(s => [s.path, s.reason]))
    assert.match(reasons[join(dir, 'scan.pdf')] ?? '', /no extractable text/)
    assert.match(reasons[join(dir, 'broken.pdf')] ?? '', /not a readable PDF/)
    const hits = await store.search('saffron risotto Thursdays', { collection: 'kb' })
    assert.equal(hits[0]?.source, join(dir, 'handbook.pdf'))
    assert.match(hits[0]?.text ?? '', /saffron risotto on Thursdays/)
    // unchanged on a second run: nothing is extracted again
    const again = await store.ingest([dir], { collection: 'kb' })
    assert.equal(again.unchanged.length, 2)
  })

  it('refuses a PDF past the size bound before parsing it', async () => {
    const bytes = await makePdf([['Some text.']])
    await assert.rejects(pdfToText(bytes, { maxBytes: 100 }), { name: 'UnreadableDocumentError', message: /larger than 100 bytes/ })
  })
})
