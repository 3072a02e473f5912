/**
 * Polling instead of sleeping: tests wait for an outcome with a generous
 * deadline (the machine is shared and noisy) and never assert on timing.
 *
 * @example
 * const peers = await waitFor(async () => { const p = await node.peers(); return p.length === 2 ? p : undefined }, { what: 'two peers' })
 */
import { setTimeout as sleep } from 'node:timers/promises'

export interface WaitForInit {
  /** @default 45_000 */
  timeoutMs?: number
  /** @default 250 */
  intervalMs?: number
  /** Named in the error when the deadline passes. */
  what?: string
}

export class WaitTimeoutError extends Error {
  static override name = 'WaitTimeoutError'
  constructor (message = 'Condition not met in time') {
    super(message)
    this.name = WaitTimeoutError.name
  }
}

/**
 * Calls `check` until it returns something other than `undefined`, `null` or
 * `false`, and returns that. Errors thrown by `check` count as "not yet"; the
 * last one is reported if the deadline passes.
 */
export async function waitFor<T> (check: () => T | Promise<T>, init: WaitForInit = {}): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + (init.timeoutMs ?? 45_000)
  let lastError: unknown
  let lastValue: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>
      lastValue = value
      lastError = undefined
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const why = lastError != null ? `last error: ${(lastError as Error).message}` : `last value: ${JSON.stringify(lastValue)}`
      throw new WaitTimeoutError(`Timed out waiting for ${init.what ?? 'condition'} (${why})`)
    }
    await sleep(init.intervalMs ?? 250)
  }
}

/** Resolves `true` if `check` stays falsy for the whole `forMs`, `false` as soon as it holds. */
export async function staysFalse (check: () => unknown, forMs: number, intervalMs = 250): Promise<boolean> {
  const end = Date.now() + forMs
  while (Date.now() < end) {
    if (await check() as unknown) return false
    await sleep(intervalMs)
  }
  return true
}
