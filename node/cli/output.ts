/**
 * Where CLI commands write. The only place in Mycel that prints to the
 * terminal; everything else logs through injected loggers.
 */
import { progressLine } from './progress.ts'

export interface Output {
  /** A line for humans on stdout. */
  line: (text?: string) => void
  /** Raw text on stdout (streamed output). */
  write: (text: string) => void
  /** A machine-readable result on stdout. */
  json: (value: unknown) => void
  /** A line on stderr: notes, progress, errors. */
  error: (text: string) => void
  /**
   * Progress on stderr: one line redrawn on a TTY, else a line every few
   * seconds and the last one (logs and CI see a download move too). With
   * `bytes`, amounts are sizes with speed and ETA.
   */
  progress: (label: string, done: number, total: number, opts?: { bytes?: boolean }) => void
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

/** Lines of progress written where stderr is no terminal: at most one per this long, then the last. */
export const PROGRESS_LINE_INTERVAL_MS = 2_000
/** Redraws of the progress line on a terminal: at most one per this long. */
const PROGRESS_REDRAW_MS = 100

export function consoleOutput (stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr, now: () => number = () => performance.now()): Output {
  const transfers = new Map<string, { startedMs: number, lastMs: number }>()
  return {
    line: (text = '') => { stdout.write(printable(text) + '\n') },
    write: (text) => { stdout.write(printable(text)) },
    json: (value) => { stdout.write(JSON.stringify(value, jsonReplacer, 2) + '\n') },
    error: (text) => { stderr.write(printable(text) + '\n') },
    progress: (label, done, total, opts = {}) => {
      const t = now()
      let state = transfers.get(label)
      if (state == null) { state = { startedMs: t, lastMs: -Infinity }; transfers.set(label, state) }
      const final = total > 0 && done >= total
      const tty = stderr.isTTY === true
      if (!final && t - state.lastMs < (tty ? PROGRESS_REDRAW_MS : PROGRESS_LINE_INTERVAL_MS)) return
      state.lastMs = t
      const line = printable(progressLine({ label, done, total, startedMs: state.startedMs, nowMs: t, bytes: opts.bytes === true }))
      if (tty) stderr.write(`\r${line}\u001b[K${final ? '\n' : ''}`)
      else stderr.write(line + '\n')
      if (final) transfers.delete(label)
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
