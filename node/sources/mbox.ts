/**
 * An mbox file as documents, one per message: the file is cut at its
 * `From ` separator lines (mboxrd, RFC 4155: the only framing mbox has), and
 * each message is parsed by mailparser, which decodes MIME parts, transfer
 * encodings and charsets. The document keeps the headers a reader wants
 * (From, To, Cc, Date, Subject, Message-ID) above the body. A message that
 * will not parse, or is too large, is skipped with its reason; the rest go on.
 */
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import type { AddressObject } from 'mailparser'
import { lazyModule } from '../lazy.ts'
import type { TextDoc } from '../memory/index.ts'
import { MAX_MBOX_BYTES, MAX_MESSAGE_BYTES } from './constants.ts'
import { InvalidSourceError } from './errors.ts'

/** mailparser (with its charset tables) loads when an mbox is first read. */
const loadMailparser = lazyModule('mailparser', async () => await import('mailparser'))

export interface MboxMessage {
  /** Position in the file, from 0. */
  index: number
  raw: Buffer
}

/** The raw messages of an mbox file, bounded in size. */
export async function readMbox (path: string, maxBytes = MAX_MBOX_BYTES): Promise<MboxMessage[]> {
  let fh
  try { fh = await open(path, 'r') } catch (err) {
    throw new InvalidSourceError(`cannot read mbox ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  try {
    const st = await fh.stat()
    if (!st.isFile()) throw new InvalidSourceError(`${path} is not a file`)
    if (st.size > maxBytes) throw new InvalidSourceError(`mbox ${path} is larger than ${maxBytes} bytes`)
    const all = await fh.readFile()
    if (all.byteLength > 0 && !all.subarray(0, 5).equals(Buffer.from('From '))) throw new InvalidSourceError(`${path} is not an mbox file (it does not start with a "From " line)`)
    return splitMbox(all)
  } finally {
    await fh.close()
  }
}

/** Cuts at lines that start with `From ` after a blank line (or at the start); `>From ` quoting is undone. */
export function splitMbox (all: Buffer): MboxMessage[] {
  const out: MboxMessage[] = []
  const starts: number[] = []
  let pos = 0
  while (pos < all.length) {
    const nl = all.indexOf(10, pos)
    const end = nl === -1 ? all.length : nl + 1
    if (all[pos] === 0x46 && all.subarray(pos, pos + 5).toString('latin1') === 'From ' && (pos === 0 || isBlankBefore(all, pos))) starts.push(pos)
    pos = end
  }
  starts.forEach((s, i) => {
    const bodyStart = all.indexOf(10, s) + 1
    const stop = starts[i + 1] ?? all.length
    if (bodyStart <= 0 || bodyStart >= stop) return
    const raw = Buffer.from(all.subarray(bodyStart, stop).toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1')
    out.push({ index: out.length, raw })
  })
  return out
}

function isBlankBefore (all: Buffer, pos: number): boolean {
  // the previous line is empty: "\n\n" or "\r\n\r\n" right before this line
  return all[pos - 1] === 10 && (all[pos - 2] === 10 || (all[pos - 2] === 13 && all[pos - 3] === 10))
}

/** Turns each message into a document keyed by file and Message-ID; `onSkip` hears about the ones that fail. */
export async function * mboxDocs (path: string, sourceId: string, messages: MboxMessage[], onSkip: (path: string, reason: string) => void): AsyncGenerator<TextDoc> {
  const name = basename(path)
  const { simpleParser } = await loadMailparser()
  for (const m of messages) {
    const where = `${path}#${m.index + 1}`
    if (m.raw.byteLength > MAX_MESSAGE_BYTES) { onSkip(where, `message larger than ${MAX_MESSAGE_BYTES} bytes`); continue }
    let mail
    try {
      mail = await simpleParser(m.raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true })
    } catch (err) {
      onSkip(where, `message could not be parsed (${String((err as Error).message).slice(0, 200)})`)
      continue
    }
    const id = mail.messageId ?? `message-${m.index + 1}`
    const headers = [
      `From: ${addresses(mail.from)}`,
      `To: ${addresses(mail.to)}`,
      ...(mail.cc != null ? [`Cc: ${addresses(mail.cc)}`] : []),
      `Date: ${mail.date?.toISOString() ?? ''}`,
      `Subject: ${mail.subject ?? ''}`,
      `Message-ID: ${id}`
    ]
    const body = mail.text ?? ''
    yield {
      source: `${path}#${id}`,
      // no extension: read as plain text, whatever the message id looks like
      rel: `${name}#${m.index + 1}`,
      sourceId,
      bytes: Buffer.from(`${headers.join('\n')}\n\n${body}`, 'utf8'),
      ...(mail.date != null && Number.isFinite(mail.date.getTime()) ? { mtimeMs: mail.date.getTime() } : {})
    }
  }
}

function addresses (a: AddressObject | AddressObject[] | undefined): string {
  if (a == null) return ''
  return (Array.isArray(a) ? a : [a]).map(x => x.text).join(', ')
}
