/**
 * The audit log, observable: the same log (`audit/log.ts`) that also tells
 * subscribers about each entry once it is on disk. Every task step and
 * policy decision is audited, so `/metrics` reads what happened from here
 * and stays in step with the audit by construction; the services that
 * append need no hooks of their own.
 */
import { AuditLog, type AppendOptions } from '../audit/log.ts'
import type { AuditEntry, AuditEntryInput } from '../audit/entry.ts'

export type AuditListener = (entry: AuditEntry) => void

export class ObservedAuditLog extends AuditLog {
  private readonly listeners = new Set<AuditListener>()

  override async append (input: AuditEntryInput, opts?: AppendOptions): Promise<AuditEntry> {
    const entry = await super.append(input, opts)
    for (const l of [...this.listeners]) {
      // an observer's bug must not fail the step being audited
      try { l(entry) } catch {}
    }
    return entry
  }

  /** Calls `listener` with each entry written from now on; returns the unsubscribe. */
  subscribe (listener: AuditListener): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }
}
