/**
 * The planner's side of quarantine: raw texts stay in the vault under
 * handles (`$q1`); the planner sees only a handle with the reader's bounded
 * value, wrapped as untrusted data. When the planner names a handle as a
 * whole argument of a tool call (`"$q1"`, or `"$q1.price"` for one
 * extracted field), `resolve` puts the raw text (or the field) there before
 * the tool runs, so tools get the real data without the planner having read
 * it. Resolving never adds a call or a tool: it only fills arguments of the
 * call the loop already validated against the agent's scope.
 *
 * @example
 * const vault = new QuarantineVault(reader)
 * const { view } = await vault.read(rawPage, { source: 'tool:web.fetch' })   // what the planner reads
 * const args = vault.resolve({ body: '$q1' })                                 // { body: rawPage }
 */
import { QUARANTINE_MAX_HANDLES } from './constants.ts'
import { wrapUntrusted } from './delimit.ts'
import { UnknownHandleError } from './errors.ts'
import { quarantineRead, type QuarantineReadOptions, type QuarantinedValue, type ReaderChat } from './quarantine.ts'

export interface QuarantineVaultInit {
  /** Handles kept; the oldest go first. @default QUARANTINE_MAX_HANDLES */
  maxHandles?: number
}

export interface Quarantined {
  handle: string
  value: QuarantinedValue
  /** What the planner may read: the handle and the value, inside untrusted markers. */
  view: string
}

const HANDLE_REF = /^\$(q\d{1,9})(?:\.([A-Za-z0-9_-]{1,64}))?$/

export class QuarantineVault {
  private readonly reader: ReaderChat
  private readonly max: number
  private readonly entries = new Map<string, { raw: string, value: QuarantinedValue }>()
  private next = 1

  constructor (reader: ReaderChat, init: QuarantineVaultInit = {}) {
    this.reader = reader
    this.max = init.maxHandles ?? QUARANTINE_MAX_HANDLES
  }

  /** Has the reader read `raw`; keeps it under a new handle. */
  async read (raw: string, opts: QuarantineReadOptions = {}): Promise<Quarantined> {
    const value = await quarantineRead(this.reader, raw, opts)
    const handle = `q${this.next++}`
    this.entries.set(handle, { raw, value })
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string)
    const shown = value.kind === 'summary' ? { handle: `$${handle}`, summary: value.text } : { handle: `$${handle}`, fields: value.fields }
    return { handle: `$${handle}`, value, view: wrapUntrusted(JSON.stringify(shown), { source: `quarantine:${opts.source ?? 'tool'}` }) }
  }

  /** The raw text behind a handle (for tools, never for the planner). */
  raw (handle: string): string {
    return this.entry(handle.replace(/^\$/, '')).raw
  }

  /** Arguments with each whole-string handle reference replaced by its raw text or extracted field. */
  resolve (args: unknown, depth = 0): unknown {
    if (depth > 32) return args
    if (typeof args === 'string') {
      const m = HANDLE_REF.exec(args)
      if (m == null) return args
      const e = this.entry(m[1] as string)
      if (m[2] == null) return e.raw
      if (e.value.kind !== 'fields' || !Object.hasOwn(e.value.fields, m[2])) throw new UnknownHandleError(`The quarantined value ${args.split('.')[0] ?? ''} has no field ${m[2]}`)
      return e.value.fields[m[2]]
    }
    if (Array.isArray(args)) return args.map(a => this.resolve(a, depth + 1))
    if (args != null && typeof args === 'object') return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, this.resolve(v, depth + 1)]))
    return args
  }

  private entry (id: string): { raw: string, value: QuarantinedValue } {
    const e = this.entries.get(id)
    if (e == null) throw new UnknownHandleError(`No quarantined value $${id}`)
    return e
  }
}
