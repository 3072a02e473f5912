/**
 * Progress of a long transfer as one line: `downloading 12.0 MiB / 40.0 MiB
 * (30%)  4.0 MiB/s  ETA 7s`. Speed is averaged since the start (a download's
 * rate swings chunk to chunk); the ETA follows from it. Pure: the clock is
 * passed in, so the text is tested exactly.
 */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes (n: number): string {
  let v = Math.max(0, n)
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++ }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${UNITS[u] as string}`
}

export function formatDuration (seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

export interface ProgressSample { label: string, done: number, total: number, startedMs: number, nowMs: number, bytes: boolean }

/** The line for one moment of a transfer; `total` 0 means unknown (no percentage, no ETA). */
export function progressLine (p: ProgressSample): string {
  const elapsedS = Math.max(0, (p.nowMs - p.startedMs) / 1000)
  if (!p.bytes) return `${p.label} ${p.done}/${p.total}${p.total > 0 ? ` (${Math.floor(Math.min(1, p.done / p.total) * 100)}%)` : ''}`
  const amount = p.total > 0 ? `${formatBytes(p.done)} / ${formatBytes(p.total)} (${Math.floor(Math.min(1, p.done / p.total) * 100)}%)` : formatBytes(p.done)
  if (elapsedS < 0.001 || p.done === 0) return `${p.label} ${amount}`
  const rate = p.done / elapsedS
  const eta = p.total > 0 && p.done < p.total ? `  ETA ${formatDuration((p.total - p.done) / rate)}` : p.done >= p.total && p.total > 0 ? `  in ${formatDuration(elapsedS)}` : ''
  return `${p.label} ${amount}  ${formatBytes(rate)}/s${eta}`
}
