/**
 * Text out of PDF bytes through unpdf (PDF.js built for servers). Bounded:
 * the file's size, its page count, the text kept and the time taken; a
 * broken PDF, one too large, and one with no text layer (a scan) are each an
 * `UnreadableDocumentError` naming why, never an empty document.
 */
import { lazyModule } from '../lazy.ts'
import { MAX_PDF_BYTES, MAX_PDF_PAGES, MAX_PDF_TEXT_CHARS, PDF_TIMEOUT_MS } from './constants.ts'
import { UnreadableDocumentError } from './errors.ts'

/** unpdf (PDF.js) loads when a PDF is first read. */
const loadUnpdf = lazyModule('unpdf', async () => await import('unpdf'))

export interface PdfLimits {
  /** @default MAX_PDF_BYTES */
  maxBytes?: number
  /** @default MAX_PDF_PAGES */
  maxPages?: number
  /** @default PDF_TIMEOUT_MS */
  timeoutMs?: number
}

export async function pdfToText (bytes: Uint8Array, limits: PdfLimits = {}, signal?: AbortSignal): Promise<string> {
  const maxBytes = limits.maxBytes ?? MAX_PDF_BYTES
  if (bytes.byteLength > maxBytes) throw new UnreadableDocumentError(`PDF larger than ${maxBytes} bytes`)
  if (bytes.byteLength === 0) throw new UnreadableDocumentError('empty')
  signal?.throwIfAborted()
  const timeoutMs = limits.timeoutMs ?? PDF_TIMEOUT_MS
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new UnreadableDocumentError(`PDF text took longer than ${timeoutMs} ms to extract`)) }, timeoutMs)
  })
  // PDF.js may take the buffer over: hand it a copy; its warnings about damaged files stay off the console
  const work = (async () => {
    const { extractText, getDocumentProxy } = await loadUnpdf()
    let doc
    try {
      doc = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 })
    } catch (err) {
      throw new UnreadableDocumentError(`not a readable PDF (${oneLine(err)})`)
    }
    try {
      const maxPages = limits.maxPages ?? MAX_PDF_PAGES
      if (doc.numPages > maxPages) throw new UnreadableDocumentError(`PDF of ${doc.numPages} pages, more than ${maxPages}`)
      let pages: string[]
      try {
        pages = (await extractText(doc, { mergePages: false })).text
      } catch (err) {
        throw new UnreadableDocumentError(`PDF text could not be read (${oneLine(err)})`)
      }
      const text = pages.join('\n\n').slice(0, MAX_PDF_TEXT_CHARS)
      if (!/\S/.test(text)) throw new UnreadableDocumentError('PDF has no extractable text (scanned pages need OCR first)')
      return text
    } finally {
      await doc.destroy().catch(() => {})
    }
  })()
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
    work.catch(() => {})
  }
}

function oneLine (err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]?.slice(0, 200) ?? 'error'
}
