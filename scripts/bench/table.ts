/**
 * The one table `npm run bench` prints. Every row is a figure measured next
 * to what it is compared with, in the same run, so the ratio means something
 * on a noisy shared machine.
 */

export interface BenchRow {
  /** Which suite produced it, e.g. `signatures`. */
  suite: string
  /** What was measured, e.g. `verify/s (mycel)`. */
  name: string
  value: number
  /** Unit of `value`, e.g. `ops/s`, `ms`, `tok/s`. */
  unit: string
  /** The figure it is compared with, measured in the same run. */
  baseline?: { name: string, value: number }
  /** Human-readable target, e.g. `>= 0.9x`. */
  target?: string
  /** Whether the target was met, when there is one. */
  met?: boolean
}

export interface BenchSuite {
  name: string
  run: () => Promise<BenchRow[]>
}

export function ratio (row: BenchRow): number | undefined {
  if (row.baseline == null || row.baseline.value === 0) return undefined
  return row.value / row.baseline.value
}

/** One row as `npm run bench -- --json` prints it. */
export interface JsonRow {
  suite: string
  measure: string
  value: number
  unit: string
  /** What the value is compared with, and that figure, when there is a comparison. */
  compared: { measure: string, value: number } | null
  ratio: number | null
  target: string | null
  /** Whether the target was met; null when the row has no target. */
  ok: boolean | null
}

export function toJsonRows (rows: BenchRow[]): JsonRow[] {
  return rows.map(r => ({
    suite: r.suite,
    measure: r.name,
    value: r.value,
    unit: r.unit,
    compared: r.baseline != null ? { measure: r.baseline.name, value: r.baseline.value } : null,
    ratio: ratio(r) ?? null,
    target: r.target ?? null,
    ok: r.met ?? null
  }))
}

function fmt (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US')
  if (Math.abs(n) >= 10) return n.toFixed(1)
  return n.toFixed(3)
}

export function renderTable (rows: BenchRow[]): string {
  const cells = rows.map(r => {
    const q = ratio(r)
    return [
      r.suite,
      r.name,
      `${fmt(r.value)} ${r.unit}`,
      r.baseline != null ? `${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit}` : '',
      q != null ? `${q.toFixed(2)}x` : '',
      r.target != null ? `${r.target}${r.met === true ? ' ok' : r.met === false ? ' MISSED' : ''}` : ''
    ]
  })
  const head = ['suite', 'measure', 'value', 'compared with', 'ratio', 'target']
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map(c => c[i]?.length ?? 0)))
  const line = (c: string[]): string => '| ' + c.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ') + ' |'
  return [line(head), '|' + widths.map(w => '-'.repeat(w + 2)).join('|') + '|', ...cells.map(line)].join('\n')
}

/** Runs `fn` repeatedly for about `ms` milliseconds and returns operations per second. */
export async function opsPerSecond (fn: () => unknown, ms = 1000): Promise<number> {
  const start = performance.now()
  let n = 0
  while (performance.now() - start < ms) {
    for (let i = 0; i < 64; i++) await fn()
    n += 64
  }
  return n / ((performance.now() - start) / 1000)
}

export function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[idx] as number
}
