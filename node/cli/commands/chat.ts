/**
 * `mycel chat [--session S] [--model M]`: an interactive chat with memory.
 * Each line is one session turn: the node adds the session's history,
 * summary and recalled turns, and streams the reply. Ctrl-C cancels the
 * turn (the session keeps nothing of it); Ctrl-C twice or Ctrl-D exits.
 */
import type { Command } from '../command.ts'
import { ApiClient } from '../../api/client.ts'
import type { SessionTurnRequestBody } from '../../api/session-body.ts'
import { newSessionName } from '../../sessions/ids.ts'
import { terminalChat } from '../chat/index.ts'
import { streamTurn } from '../session-turn.ts'
import { SESSION_OPTIONS, sessionTurnFields } from './session-options.ts'

export const chat: Command = {
  path: ['chat'],
  summary: 'Chat with a model; the session remembers (Ctrl-C cancels a turn, Ctrl-D exits)',
  usage: '[--session S] [--agent A] [--model M] [--class C] [--max-tokens N] [--temperature T] [--peer P]',
  options: SESSION_OPTIONS,
  positionals: { max: 0 },
  async run (ctx, args) {
    const api = await ApiClient.fromHome(ctx.home)
    const fields = await sessionTurnFields(api, args.values, ctx.signal)
    let session = (args.values.session as string | undefined) ?? newSessionName()
    ctx.out.error(`[session ${session}; Ctrl-C cancels a turn, Ctrl-D exits]`)
    await terminalChat({
      input: process.stdin,
      output: process.stdout,
      signal: ctx.signal,
      note: (text) => { ctx.out.error(text) },
      turn: async (text, signal) => {
        const body: SessionTurnRequestBody = { ...fields, session, messages: [{ role: 'user', content: text }] }
        const result = await streamTurn(api, body, AbortSignal.any([signal, ctx.signal]), { onText: (t) => { ctx.out.write(t) }, onNote: (n) => { ctx.out.error(n) } })
        ctx.out.line()
        // later turns use the id the node answered with
        session = result.session ?? session
      }
    })
  }
}
