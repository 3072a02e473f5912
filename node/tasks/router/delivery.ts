/**
 * Passes text on to the caller exactly once across failed-over attempts: a
 * new attempt's text is matched against what was delivered, and only what
 * is new flows on; an attempt that diverges voids what was shown (`reset`).
 *
 * @example
 * const d = new Delivery(e => { if (e.type === 'text') show(e.text) })
 * d.newAttempt(); d.push('Hel'); d.newAttempt(); d.push('Hello') // shows 'Hel', then 'lo'
 */
export type DeliveryEvent = { type: 'text', text: string } | { type: 'reset' }

export class Delivery {
  private delivered = ''
  private attempt = ''
  private readonly onEvent?: (e: DeliveryEvent) => void
  constructor (onEvent?: (e: DeliveryEvent) => void) { this.onEvent = onEvent }

  newAttempt (): void { this.attempt = '' }

  push (text: string): void {
    if (text === '') return
    this.attempt += text
    if (this.attempt.length <= this.delivered.length) {
      if (this.delivered.startsWith(this.attempt)) return
      this.restart()
      return
    }
    if (!this.attempt.startsWith(this.delivered)) { this.restart(); return }
    const fresh = this.attempt.slice(this.delivered.length)
    this.delivered = this.attempt
    this.onEvent?.({ type: 'text', text: fresh })
  }

  private restart (): void {
    this.onEvent?.({ type: 'reset' })
    this.delivered = this.attempt
    this.onEvent?.({ type: 'text', text: this.attempt })
  }
}
