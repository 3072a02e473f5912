/**
 * The router's freshest view of each member's load and speed. Load comes
 * from three places, newest wins: the member's card (up to a republish
 * interval old), its signed load beats (node/load) and the `load` on each
 * task response it sent us. Each sample remembers how many tasks this node
 * had open on the member when it arrived, so tasks sent since then are
 * counted on top and none twice (a result's sample still counts the task it
 * ends; the count drops by one right after).
 *
 * Speed is tokens per second per model: what the member's beat says it
 * measured, else what this node saw on the member's results.
 */
import type { TaskLoad } from '../../../protocol/load/index.ts'
import { LOAD_BOOK_MAX_PEERS, RATE_EWMA_WEIGHT, RATE_MIN_TASK_MS } from '../constants.ts'

interface Sample { load: TaskLoad, at: number, open: number }

export class LoadBook {
  private readonly samples = new Map<string, Sample>()
  /** peer → model → tokens/s, as the member reported it. */
  private readonly reported = new Map<string, Map<string, number>>()
  /** peer → model → tokens/s, as this node measured it. */
  private readonly observed = new Map<string, Map<string, number>>()

  /** Records a load measured at `at` (ms since the epoch) when `open` of our tasks were on the member. */
  observe (peer: string, load: TaskLoad, open: number, at = Date.now()): void {
    const held = this.samples.get(peer)
    if (held != null && held.at > at) return
    this.samples.delete(peer)
    this.samples.set(peer, { load, at, open })
    bound(this.samples)
  }

  /** The member's own rates (from its beat), replacing the last ones it sent. */
  report (peer: string, rates: Array<{ name: string, tokensPerSecond: number }>): void {
    this.reported.delete(peer)
    this.reported.set(peer, new Map(rates.map(r => [r.name, r.tokensPerSecond])))
    bound(this.reported)
  }

  /** A result this node saw: `tokens` generated in `ms` of wall time. */
  measured (peer: string, model: string, tokens: number, ms: number): void {
    if (ms < RATE_MIN_TASK_MS || tokens <= 0) return
    const rate = tokens * 1000 / ms
    const book = this.observed.get(peer) ?? new Map<string, number>()
    const old = book.get(model)
    book.set(model, old == null ? rate : old + RATE_EWMA_WEIGHT * (rate - old))
    this.observed.delete(peer)
    this.observed.set(peer, book)
    bound(this.observed)
  }

  /** Tokens per second of a model on a member, if anyone measured it. */
  rate (peer: string, model: string): number | undefined {
    return this.reported.get(peer)?.get(model) ?? this.observed.get(peer)?.get(model)
  }

  /**
   * Running plus queued work on a member and its slots, from the freshest
   * figure: a sample newer than the card (`cardAt`) adds the tasks sent
   * since it; the card adds every task of ours open now.
   */
  busy (peer: string, card: { load: TaskLoad, at: number }, openNow: number): { work: number, slots: number } {
    const s = this.samples.get(peer)
    if (s != null && s.at >= card.at) return { work: s.load.running + s.load.queued + Math.max(0, openNow - s.open), slots: s.load.slots }
    return { work: card.load.running + card.load.queued + openNow, slots: card.load.slots }
  }

  forget (peer: string): void {
    this.samples.delete(peer)
    this.reported.delete(peer)
    this.observed.delete(peer)
  }
}

/** Drops the entries touched longest ago (maps keep insertion order; writers re-insert). */
function bound (map: Map<string, unknown>): void {
  while (map.size > LOAD_BOOK_MAX_PEERS) map.delete(map.keys().next().value as string)
}
