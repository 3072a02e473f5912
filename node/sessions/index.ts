/**
 * Sessions: chat with memory on the node that holds it. History persists in
 * the node's `level` database; past the model's window older turns are
 * summarised and stay searchable; relevant earlier turns are recalled into
 * the prompt (MemGPT, `memory/conversation.ts`). Every door (control API,
 * `mycel chat`, OpenAI, MCP, dashboard) runs turns through `SessionService`.
 *
 * @example
 * const sessions = sessionService()({ self, db, logger, run, contextSizeOf, defaultModel })
 * await sessions.start()
 * await sessions.turn({ session: 'notes', messages: [{ role: 'user', content: 'hi' }], sampling: { maxTokens: 64 } })
 * await sessions.show('notes')   // history, summary, and the context the last turn used
 */
export { sessionService, SessionService } from './service.ts'
export type { SessionComponents, SessionInit, TurnRequest, TurnResult, TurnSampling } from './service.ts'
export type { SessionDetail, SessionSummary } from './views.ts'
export { sessionName, qualifiedSessionId, newSessionName } from './ids.ts'
export { countTokens, historyBudget } from './context.ts'
export * from './errors.ts'
export * from './constants.ts'
