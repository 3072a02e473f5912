/**
 * Errors of the session service. Each carries the API code it answers with
 * (`protocol/codes.ts`), so the control API, the OpenAI door and MCP map it
 * the same way.
 */

/** A session id that is not `NAME` or `PEER_ID/NAME` within the bounds. */
export class InvalidSessionIdError extends Error {
  static override name = 'InvalidSessionIdError'
  readonly code = 'malformed'
  constructor (message = 'A session id is 1-64 characters of letters, digits, ".", "_" and "-" (starting with a letter or digit), optionally after "PEER_ID/"') {
    super(message)
    this.name = InvalidSessionIdError.name
  }
}

/** A session held by another node: its history is that node's, not this one's to extend or read. */
export class ForeignSessionError extends Error {
  static override name = 'ForeignSessionError'
  readonly code = 'denied'
  readonly owner: string
  constructor (owner: string) {
    super(`That session belongs to node ${owner}; continue it there`)
    this.name = ForeignSessionError.name
    this.owner = owner
  }
}

export class UnknownSessionError extends Error {
  static override name = 'UnknownSessionError'
  readonly code = 'not-found'
  constructor (message = 'No session with that id on this node') {
    super(message)
    this.name = UnknownSessionError.name
  }
}

/** The node keeps `MAX_SESSIONS` already. */
export class SessionLimitError extends Error {
  static override name = 'SessionLimitError'
  readonly code = 'busy'
  constructor (max: number) {
    super(`This node keeps ${max} sessions already; remove some with \`mycel sessions rm\``)
    this.name = SessionLimitError.name
  }
}

/** A turn with no model named and none known to the session or the mesh. */
export class NoSessionModelError extends Error {
  static override name = 'NoSessionModelError'
  readonly code = 'unavailable'
  constructor (message = 'No model to answer with; name one with --model') {
    super(message)
    this.name = NoSessionModelError.name
  }
}

/** A turn whose messages are not what a session can keep. */
export class InvalidTurnError extends Error {
  static override name = 'InvalidTurnError'
  readonly code = 'malformed'
  constructor (message: string) {
    super(message)
    this.name = InvalidTurnError.name
  }
}

/** `--agent` names no agent profile of this node. */
export class UnknownAgentError extends Error {
  static override name = 'UnknownAgentError'
  readonly code = 'not-found'
  constructor (agent: string) {
    super(`No agent named "${agent.slice(0, 64)}" on this node; create one with \`mycel agent create\``)
    this.name = UnknownAgentError.name
  }
}
