/** Validation of CLI argument values; pure, so it is tested without running commands. */
import { UsageError } from './errors.ts'

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Parses `90s`, `30m`, `24h`, `7d`, `1w` (or a bare number of seconds) into milliseconds. */
export function parseDuration (value: string, flag: string): number {
  const m = /^(\d{1,9})(ms|s|m|h|d|w)?$/.exec(value.trim())
  if (m == null) throw new UsageError(`${flag} must be a duration such as 30m, 24h or 7d (got "${value.slice(0, 32)}")`)
  const ms = Number(m[1]) * (UNITS_MS[m[2] ?? 's'] as number)
  if (ms <= 0) throw new UsageError(`${flag} must be greater than zero`)
  return ms
}

export function parseInteger (value: string, flag: string, opts: { min?: number, max?: number } = {}): number {
  if (!/^-?\d{1,15}$/.test(value.trim())) throw new UsageError(`${flag} must be a whole number (got "${value.slice(0, 32)}")`)
  const n = Number(value)
  if (opts.min != null && n < opts.min) throw new UsageError(`${flag} must be at least ${opts.min}`)
  if (opts.max != null && n > opts.max) throw new UsageError(`${flag} must be at most ${opts.max}`)
  return n
}

export function parseNumber (value: string, flag: string, opts: { min?: number, max?: number } = {}): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number (got "${value.slice(0, 32)}")`)
  if (opts.min != null && n < opts.min) throw new UsageError(`${flag} must be at least ${opts.min}`)
  if (opts.max != null && n > opts.max) throw new UsageError(`${flag} must be at most ${opts.max}`)
  return n
}

/** A `HOST:PORT` listen address; port 0 picks a free one. */
export function parseHostPort (value: string, flag: string): string {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value.trim())
  if (m == null || Number(m[2]) > 65535) throw new UsageError(`${flag} must be HOST:PORT, e.g. 127.0.0.1:7878 (got "${value.slice(0, 64)}")`)
  return value.trim()
}

/** Most CPU threads a context may be given: well past any core count, short of a typo's. */
const MAX_THREADS = 1024

/** llama.cpp threads per context from `--threads` or `MYCEL_THREADS` (the flag wins); undefined keeps the runtime's default. */
export function threadsOption (flag: unknown, env: NodeJS.ProcessEnv): number | undefined {
  if (typeof flag === 'string') return parseInteger(flag, '--threads', { min: 1, max: MAX_THREADS })
  const fromEnv = env.MYCEL_THREADS
  return fromEnv == null || fromEnv === '' ? undefined : parseInteger(fromEnv, 'MYCEL_THREADS', { min: 1, max: MAX_THREADS })
}

export function stringList (v: unknown): string[] {
  if (v == null) return []
  return (Array.isArray(v) ? v : [v]).map(String)
}
