/**
 * Exact-shape validation for decoded frames.
 *
 * A decoded CBOR value is `unknown` until a shape accepts it. Shapes are small
 * composable functions that return the value typed, or throw
 * `MalformedMessageError` naming the first offending field. Objects are
 * strict: an unknown key is refused, so two encoders can never disagree about
 * what a signed message meant.
 *
 * @example
 * const Hello = object({ v: literal(1), name: str({ max: 64 }), tags: arrayOf(str(), { max: 8 }) })
 * const hello = parse(Hello, decodeCbor(bytes, { maxBytes: 1024 }), 'hello')
 */
import { MalformedMessageError } from './errors.ts'

export type Shape<T> = (value: unknown, path: string) => T
export type Infer<S> = S extends Shape<infer T> ? T : never

const OPTIONAL = Symbol('optional')
interface OptionalShape<T> extends Shape<T | undefined> { [OPTIONAL]: true }

function fail (path: string, expected: string): never {
  throw new MalformedMessageError(`${path === '' ? 'value' : path}: expected ${expected}`)
}

export function str (opts: { min?: number, max?: number, pattern?: RegExp } = {}): Shape<string> {
  const max = opts.max ?? 1024
  return (value, path) => {
    if (typeof value !== 'string') fail(path, 'a string')
    if (value.length > max) fail(path, `at most ${max} characters`)
    if (opts.min != null && value.length < opts.min) fail(path, `at least ${opts.min} characters`)
    if (opts.pattern != null && !opts.pattern.test(value)) fail(path, `a string matching ${opts.pattern.source}`)
    return value
  }
}

export function bytes (opts: { length?: number, max?: number } = {}): Shape<Uint8Array> {
  const max = opts.max ?? 65_536
  return (value, path) => {
    if (!(value instanceof Uint8Array)) fail(path, 'bytes')
    if (opts.length != null && value.byteLength !== opts.length) fail(path, `${opts.length} bytes`)
    if (value.byteLength > max) fail(path, `at most ${max} bytes`)
    // normalise Buffer subclasses to plain Uint8Array views
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
  }
}

/** A non-negative safe integer. */
export function uint (opts: { max?: number, min?: number } = {}): Shape<number> {
  const max = opts.max ?? Number.MAX_SAFE_INTEGER
  const min = opts.min ?? 0
  return (value, path) => {
    if (typeof value === 'bigint' && value <= BigInt(max) && value >= BigInt(min)) return Number(value)
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(path, 'an integer')
    if (value < min || value > max) fail(path, `an integer in ${min}..${max}`)
    return value
  }
}

export function num (opts: { min?: number, max?: number } = {}): Shape<number> {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'a finite number')
    if (opts.min != null && value < opts.min) fail(path, `a number >= ${opts.min}`)
    if (opts.max != null && value > opts.max) fail(path, `a number <= ${opts.max}`)
    return value
  }
}

export const bool: Shape<boolean> = (value, path) => {
  if (typeof value !== 'boolean') fail(path, 'a boolean')
  return value
}

export function literal<const T extends string | number | boolean> (expected: T): Shape<T> {
  return (value, path) => {
    if (value !== expected) fail(path, JSON.stringify(expected))
    return expected
  }
}

export function oneOf<const T extends string> (choices: readonly T[]): Shape<T> {
  const set = new Set<string>(choices)
  return (value, path) => {
    if (typeof value !== 'string' || !set.has(value)) fail(path, `one of ${choices.join(', ')}`)
    return value as T
  }
}

export function nullable<T> (shape: Shape<T>): Shape<T | null> {
  return (value, path) => value === null ? null : shape(value, path)
}

export function optional<T> (shape: Shape<T>): OptionalShape<T> {
  const fn = ((value: unknown, path: string) => value === undefined ? undefined : shape(value, path)) as OptionalShape<T>
  fn[OPTIONAL] = true
  return fn
}

export function arrayOf<T> (item: Shape<T>, opts: { max?: number, min?: number } = {}): Shape<T[]> {
  const max = opts.max ?? 256
  return (value, path) => {
    if (!Array.isArray(value)) fail(path, 'an array')
    if (value.length > max) fail(path, `at most ${max} items`)
    if (opts.min != null && value.length < opts.min) fail(path, `at least ${opts.min} items`)
    return value.map((v, i) => item(v, `${path}[${i}]`))
  }
}

/** A string-keyed map with bounded size, e.g. JSON-schema-like tool parameters. */
export function record<T> (item: Shape<T>, opts: { max?: number, keyMax?: number } = {}): Shape<Record<string, T>> {
  const max = opts.max ?? 256
  const keyMax = opts.keyMax ?? 256
  return (value, path) => {
    if (!isPlainObject(value)) fail(path, 'a map')
    const keys = Object.keys(value)
    if (keys.length > max) fail(path, `at most ${max} entries`)
    const out: Record<string, T> = Object.create(null)
    for (const key of keys) {
      if (key.length > keyMax) fail(path, `keys of at most ${keyMax} characters`)
      out[key] = item(value[key], `${path}.${key}`)
    }
    return out
  }
}

type ObjectOut<S extends Record<string, Shape<unknown>>> =
  { [K in keyof S as S[K] extends OptionalShape<unknown> ? never : K]: Infer<S[K]> } &
  { [K in keyof S as S[K] extends OptionalShape<unknown> ? K : never]?: Exclude<Infer<S[K]>, undefined> }

type Flatten<T> = { [K in keyof T]: T[K] }

/** A map with exactly these keys (optional ones may be absent); unknown keys are refused. */
export function object<S extends Record<string, Shape<unknown>>> (fields: S): Shape<Flatten<ObjectOut<S>>> {
  const names = Object.keys(fields)
  const allowed = new Set(names)
  return (value, path) => {
    if (!isPlainObject(value)) fail(path, 'a map')
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) fail(path === '' ? key : `${path}.${key}`, 'no such field')
    }
    const out: Record<string, unknown> = {}
    for (const name of names) {
      const shape = fields[name] as Shape<unknown>
      const v = shape(value[name], path === '' ? name : `${path}.${name}`)
      if (v !== undefined) out[name] = v
    }
    return out as Flatten<ObjectOut<S>>
  }
}

/** Any JSON-like value (for tool schemas and free-form parameters), bounded in depth and size. */
export function json (opts: { maxDepth?: number, maxItems?: number } = {}): Shape<unknown> {
  const maxDepth = opts.maxDepth ?? 16
  const maxItems = opts.maxItems ?? 4096
  return (value, path) => {
    let items = 0
    const walk = (v: unknown, depth: number): void => {
      if (++items > maxItems) fail(path, `at most ${maxItems} items`)
      if (depth > maxDepth) fail(path, `nesting of at most ${maxDepth}`)
      if (v === null || typeof v === 'string' || typeof v === 'boolean') return
      if (typeof v === 'number') { if (!Number.isFinite(v)) fail(path, 'finite numbers'); return }
      if (Array.isArray(v)) { for (const x of v) walk(x, depth + 1); return }
      if (isPlainObject(v)) { for (const x of Object.values(v)) walk(x, depth + 1); return }
      fail(path, 'JSON-like data')
    }
    walk(value, 0)
    return value
  }
}

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Runs a shape at the top level, prefixing errors with what was being parsed. */
export function parse<T> (shape: Shape<T>, value: unknown, what: string): T {
  try {
    return shape(value, '')
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new MalformedMessageError(`Malformed ${what}: ${err.message}`)
    throw err
  }
}
