/**
 * Where CLI commands write. The only place in Mycel that prints to the
 * terminal; everything else logs through injected loggers.
 */
export interface Output {
  /** A line for humans on stdout. */
  line: (text?: string) => void
  /** Raw text on stdout (streamed output). */
  write: (text: string) => void
  /** A machine-readable result on stdout. */
  json: (value: unknown) => void
  /** A line on stderr: notes, progress, errors. */
  error: (text: string) => void
  /** Transient progress on stderr (a bar on a TTY, nothing otherwise). */
  progress: (label: string, done: number, total: number) => void
}

/**
 * Terminal control characters (C0 but tab and newline, DEL, C1) and the
 * Unicode bidirectional overrides. Names, models and messages come from other
 * members; printed raw, `\x1b[2J` or an OSC sequence in a card name would
 * clear a screen, retitle the terminal or dress one line up as another.
 */
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** `text` with the characters that could drive the terminal removed; JSON output needs none of this (it escapes them). */
export function printable (text: string): string {
  return text.replace(UNPRINTABLE, '')
}

export function consoleOutput (stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  return {
    line: (text = '') => { stdout.write(printable(text) + '\n') },
    write: (text) => { stdout.write(printable(text)) },
    json: (value) => { stdout.write(JSON.stringify(value, jsonReplacer, 2) + '\n') },
    error: (text) => { stderr.write(printable(text) + '\n') },
    progress: (label, done, total) => {
      if (stderr.isTTY !== true) return
      const width = 30
      const ratio = total > 0 ? Math.min(1, done / total) : 0
      const filled = Math.round(ratio * width)
      stderr.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(ratio * 100)}%`)
      if (done >= total) stderr.write('\n')
    }
  }
}

/** JSON for values that JSON does not know: bigint as number, bytes as hex. */
export function jsonReplacer (_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  return value
}

/** Renders rows as an aligned text table. */
export function table (rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cells = rows.map(r => columns.map(c => formatCell(r[c])))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map(row => row[i]?.length ?? 0)))
  const fmt = (row: string[]): string => row.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [fmt(columns.map(c => c.toUpperCase())), ...cells.map(fmt)].join('\n')
}

/** One line per cell whatever it holds: a newline or escape sequence in a value must not break the table or reach the terminal. */
function formatCell (v: unknown): string {
  if (v == null) return '-'
  if (Array.isArray(v)) return printable(v.join(',')).replace(/[\t\n]/g, ' ')
  if (typeof v === 'object') return JSON.stringify(v)
  return printable(String(v)).replace(/[\t\n]/g, ' ')
}
