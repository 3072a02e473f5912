/**
 * The interactive chat's logic, apart from the terminal: one turn at a time,
 * Ctrl-C cancels the running turn (the session keeps nothing of it), at the
 * prompt a first Ctrl-C arms and a second one exits, as Ctrl-D does.
 */
import { CHAT_EXIT_WORDS } from './constants.ts'

export interface ChatLoopInit {
  /** Runs one turn; rejects with the signal's reason when cancelled. */
  turn: (text: string, signal: AbortSignal) => Promise<void>
  /** Shows a note (stderr). */
  note: (text: string) => void
  /** Shows the prompt again. */
  prompt: () => void
  /** Ends the chat (closes the input). */
  exit: () => void
}

export type Interrupted = 'cancelled' | 'armed' | 'exit'

export class ChatLoop {
  private readonly init: ChatLoopInit
  private current?: AbortController
  private armed = false

  constructor (init: ChatLoopInit) {
    this.init = init
  }

  get busy (): boolean { return this.current != null }

  /** A line the user entered; resolves once its turn is over. */
  async line (raw: string): Promise<void> {
    this.armed = false
    const text = raw.trim()
    if (CHAT_EXIT_WORDS.includes(text)) { this.init.exit(); return }
    if (text === '') { this.init.prompt(); return }
    const controller = new AbortController()
    this.current = controller
    try {
      await this.init.turn(text, controller.signal)
    } catch (err) {
      if (controller.signal.aborted) this.init.note('[turn cancelled]')
      else this.init.note(`Error: ${(err as Error).message}`)
    } finally {
      this.current = undefined
    }
    this.init.prompt()
  }

  /** Ctrl-C: cancel the turn, or arm, or exit. */
  interrupt (): Interrupted {
    if (this.current != null) {
      this.current.abort(new Error('Cancelled by Ctrl-C'))
      return 'cancelled'
    }
    if (this.armed) { this.init.exit(); return 'exit' }
    this.armed = true
    this.init.note('(Ctrl-C again or Ctrl-D to exit)')
    this.init.prompt()
    return 'armed'
  }
}
