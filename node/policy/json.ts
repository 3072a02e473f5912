/**
 * A strict JSON parser (RFC 8259) that remembers the line of every value and
 * key, so a policy error can say "policy.json line 7". `JSON.parse` only
 * reports positions of syntax errors, not of values that parse but mean
 * nothing (an unknown task kind), hence this ~120-line parser. Duplicate keys
 * are refused: with them, two readers could disagree about the policy.
 */
import { MAX_POLICY_DEPTH } from './constants.ts'

export type JNode = { line: number } & (
  | { type: 'object', entries: Array<{ key: string, keyLine: number, value: JNode }> }
  | { type: 'array', items: JNode[] }
  | { type: 'string', value: string }
  | { type: 'number', value: number }
  | { type: 'boolean', value: boolean }
  | { type: 'null' }
)

/** Thrown by the parser; the policy loader turns it into `InvalidPolicyError`. */
export class JsonSyntaxError extends Error {
  static override name = 'JsonSyntaxError'
  readonly line: number
  constructor (message: string, line: number) {
    super(message)
    this.name = JsonSyntaxError.name
    this.line = line
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const describe = (ch: string | undefined): string => ch == null ? 'end of file' : `character ${JSON.stringify(ch)}`

export function parseJson (text: string): JNode {
  let pos = 0
  let line = 1
  const fail = (msg: string): never => { throw new JsonSyntaxError(msg, line) }

  const skip = (): void => {
    while (pos < text.length) {
      const c = text[pos]
      if (c === '\n') { line++; pos++ } else if (c === ' ' || c === '\t' || c === '\r') pos++
      else break
    }
  }

  const parseString = (): string => {
    const start = pos
    pos++ // opening quote
    while (true) {
      const c = text[pos]
      if (c == null) fail('unterminated string')
      if (c === '"') break
      if (c === '\\') pos += 2
      else if ((c as string).charCodeAt(0) < 0x20) fail('control character in string (a string cannot span lines)')
      else pos++
    }
    pos++
    try {
      return JSON.parse(text.slice(start, pos)) as string
    } catch {
      return fail('invalid escape in string')
    }
  }

  const parseValue = (depth: number): JNode => {
    if (depth > MAX_POLICY_DEPTH) fail(`nesting deeper than ${MAX_POLICY_DEPTH}`)
    skip()
    const at = line
    const c = text[pos]
    if (c === '{') {
      pos++
      const entries: Array<{ key: string, keyLine: number, value: JNode }> = []
      const seen = new Set<string>()
      skip()
      if (text[pos] === '}') { pos++; return { line: at, type: 'object', entries } }
      while (true) {
        skip()
        if (text[pos] !== '"') fail(`expected a key in quotes, found ${describe(text[pos])}`)
        const keyLine = line
        const key = parseString()
        if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`)
        seen.add(key)
        skip()
        if (text[pos] !== ':') fail(`expected ":" after key ${JSON.stringify(key)}, found ${describe(text[pos])}`)
        pos++
        entries.push({ key, keyLine, value: parseValue(depth + 1) })
        skip()
        if (text[pos] === ',') { pos++; continue }
        if (text[pos] === '}') { pos++; return { line: at, type: 'object', entries } }
        fail(`expected "," or "}" in object, found ${describe(text[pos])}`)
      }
    }
    if (c === '[') {
      pos++
      const items: JNode[] = []
      skip()
      if (text[pos] === ']') { pos++; return { line: at, type: 'array', items } }
      while (true) {
        items.push(parseValue(depth + 1))
        skip()
        if (text[pos] === ',') { pos++; continue }
        if (text[pos] === ']') { pos++; return { line: at, type: 'array', items } }
        fail(`expected "," or "]" in list, found ${describe(text[pos])}`)
      }
    }
    if (c === '"') return { line: at, type: 'string', value: parseString() }
    if (text.startsWith('true', pos)) { pos += 4; return { line: at, type: 'boolean', value: true } }
    if (text.startsWith('false', pos)) { pos += 5; return { line: at, type: 'boolean', value: false } }
    if (text.startsWith('null', pos)) { pos += 4; return { line: at, type: 'null' } }
    NUMBER.lastIndex = pos
    const m = NUMBER.exec(text)
    if (m != null) {
      pos += m[0].length
      const value = Number(m[0])
      if (!Number.isFinite(value)) fail('number out of range')
      return { line: at, type: 'number', value }
    }
    return fail(`unexpected ${describe(c)}`)
  }

  if (text.charCodeAt(0) === 0xfeff) pos = 1 // byte order mark
  const root = parseValue(0)
  skip()
  if (pos < text.length) fail(`unexpected ${describe(text[pos])} after the end of the policy`)
  return root
}
