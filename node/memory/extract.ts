/**
 * Turns HTML into plain text for indexing: scripts, styles and comments
 * dropped, block elements become line breaks so paragraphs survive, tags
 * stripped, character references decoded (the common named ones and every
 * numeric one).
 */

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«',
  raquo: '»', bull: '•', middot: '·', deg: '°', euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§',
  para: '¶', times: '×', divide: '÷', plusmn: '±', shy: '', zwj: '', zwnj: '', eacute: 'é', egrave: 'è',
  agrave: 'à', aacute: 'á', ccedil: 'ç', uuml: 'ü', ouml: 'ö', auml: 'ä', szlig: 'ß', ntilde: 'ñ', iacute: 'í', oacute: 'ó', uacute: 'ú'
}

const BLOCK = /<\/?(?:p|div|br|hr|h[1-6]|li|ul|ol|tr|table|section|article|header|footer|nav|aside|main|blockquote|pre|dd|dt|dl|figure|figcaption|title|form)\b[^>]*>/gi

export function decodeEntities (text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\uFFFD'
      return String.fromCodePoint(code)
    }
    return NAMED[ref.toLowerCase()] ?? whole
  })
}

export function htmlToText (html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|noscript|template|svg)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!doctype[^>]*>/gi, ' ')
    .replace(BLOCK, '\n\n')
    .replace(/<[^>]*>/g, ' ')
  return decodeEntities(text)
    .replace(/[ \t\f\v\r\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

export type TextKind = 'text' | 'html' | 'pdf'

const HTML_EXT = new Set(['.html', '.htm', '.xhtml'])
const TEXT_EXT = new Set(['.txt', '.md', '.markdown', '.text', '.rst', '.csv', '.log', '.json', '.yaml', '.yml'])

/** How a file is read, from its extension; undefined for types a folder walk passes over. */
export function kindOf (path: string): TextKind | undefined {
  const dot = path.lastIndexOf('.')
  const ext = dot > path.lastIndexOf('/') ? path.slice(dot).toLowerCase() : ''
  if (HTML_EXT.has(ext)) return 'html'
  if (ext === '.pdf') return 'pdf'
  if (TEXT_EXT.has(ext)) return 'text'
  return undefined
}
