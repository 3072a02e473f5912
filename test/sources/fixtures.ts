/** Test inputs made on the spot: PDFs drawn with pdf-lib, git repositories committed with isomorphic-git, mbox files. */
import * as fs from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import git from 'isomorphic-git'
import { PDFDocument, StandardFonts } from 'pdf-lib'

/** A PDF whose pages carry these lines of text (none: a page with no text layer). */
export async function makePdf (pages: string[][]): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  for (const lines of pages) {
    const page = doc.addPage([600, 800])
    lines.forEach((line, i) => { page.drawText(line, { x: 40, y: 740 - i * 20, size: 12, font }) })
    if (lines.length === 0) page.drawRectangle({ x: 40, y: 40, width: 200, height: 100 })
  }
  return await doc.save()
}

const AUTHOR = { name: 'Test', email: 'test@example.com' }

/** Writes (string) or deletes (null) files in a repository and commits them; returns the commit id. */
export async function commit (dir: string, files: Record<string, string | null>, message = 'change'): Promise<string> {
  if (!fs.existsSync(join(dir, '.git'))) await git.init({ fs, dir, defaultBranch: 'main' })
  for (const [path, content] of Object.entries(files)) {
    if (content == null) {
      await rm(join(dir, path), { force: true })
      await git.remove({ fs, dir, filepath: path })
    } else {
      await mkdir(dirname(join(dir, path)), { recursive: true })
      await writeFile(join(dir, path), content)
      await git.add({ fs, dir, filepath: path })
    }
  }
  return await git.commit({ fs, dir, message, author: AUTHOR })
}

/** An mbox of the given raw messages (headers and body, CRLF or LF). */
export function mbox (messages: string[]): Buffer {
  return Buffer.concat(messages.map(m => Buffer.from(`From sender@example.com Mon Jan  1 00:00:00 2026\n${m.replace(/^From /gm, '>From ')}\n\n`, 'latin1')))
}
