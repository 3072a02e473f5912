/**
 * The chat on a terminal: readline for input, so Ctrl-C reaches the loop
 * (readline turns it into its own SIGINT event while it reads a TTY) and
 * Ctrl-D closes the input. On a pipe there is no terminal: lines are read
 * until the input ends, and a SIGINT stops the command as any other.
 */
import { createInterface } from 'node:readline'
import { ChatLoop } from './loop.ts'
import { CHAT_PROMPT } from './constants.ts'

export interface TerminalChatInit {
  input: NodeJS.ReadableStream & { isTTY?: boolean }
  output: NodeJS.WritableStream
  turn: (text: string, signal: AbortSignal) => Promise<void>
  note: (text: string) => void
  /** The command's own signal (SIGTERM, or SIGINT on a pipe). */
  signal: AbortSignal
}

/** Runs the chat until Ctrl-D, two Ctrl-C, `/exit`, the end of the input or the signal. */
export async function terminalChat (init: TerminalChatInit): Promise<void> {
  const tty = init.input.isTTY === true
  const rl = createInterface({ input: init.input, output: init.output, terminal: tty, prompt: tty ? CHAT_PROMPT : '' })
  const loop = new ChatLoop({ turn: init.turn, note: init.note, prompt: () => { if (tty) rl.prompt() }, exit: () => { rl.close() } })
  rl.on('SIGINT', () => { loop.interrupt() })
  const stop = (): void => { rl.close() }
  init.signal.addEventListener('abort', stop, { once: true })
  try {
    if (tty) rl.prompt()
    for await (const line of rl) await loop.line(line)
  } finally {
    init.signal.removeEventListener('abort', stop)
    rl.close()
  }
}
