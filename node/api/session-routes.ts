/**
 * Control API routes for sessions: a turn (streamed as task events, its
 * result naming the session), the list, one session with its history,
 * summary and the context its last turn used, search, and removal.
 */
import type { ApiServer } from './server.ts'
import type { SessionsModule } from './modules.ts'
import { body } from './body.ts'
import { HttpError } from './errors.ts'
import { SessionTurnBody, turnSampling } from './session-body.ts'
import { streamRun } from './task-routes.ts'

/** Characters of a search query. */
const MAX_QUERY_CHARS = 4096

export function registerSessionRoutes (api: ApiServer, { sessions }: { sessions: SessionsModule }): void {
  api.route('POST', '/api/sessions/turns', async ({ body: b, signal, stream }) => {
    const t = body(SessionTurnBody, b, 'session turn')
    await streamRun(stream, async (onEvent) => await sessions.turn({
      session: t.session,
      messages: t.messages,
      ...(t.model != null ? { model: t.model } : {}),
      ...(t.dataClass != null ? { dataClass: t.dataClass } : {}),
      ...(t.agent != null ? { agent: t.agent } : {}),
      ...(t.peer != null ? { peer: t.peer } : {}),
      ...(t.local === true ? { local: true } : {}),
      sampling: turnSampling(t),
      priority: t.priority ?? 'interactive',
      signal,
      onEvent
    }))
  })

  api.route('GET', '/api/sessions', async () => await sessions.list())

  api.route('GET', '/api/sessions/search', async ({ query }) => {
    const q = query.get('q') ?? ''
    if (q === '' || q.length > MAX_QUERY_CHARS) throw new HttpError('malformed', `q is 1 to ${MAX_QUERY_CHARS} characters`)
    const session = query.get('session')
    return await sessions.search(q, session != null ? { session } : {})
  })

  api.route('GET', '/api/sessions/:id', async ({ params }) => await sessions.show(params.id ?? ''))

  api.route('DELETE', '/api/sessions/:id', async ({ params }) => await sessions.remove(params.id ?? ''))
}
