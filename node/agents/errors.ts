/**
 * Errors of agent profiles and runs. Each carries `code`, the wire code a
 * delegator sees (protocol/codes.ts), and a one-line message.
 */
import type { WireErrorCode } from '../../protocol/codes.ts'

export class UnknownAgentError extends Error {
  static override name = 'UnknownAgentError'
  readonly code = 'not-found' satisfies WireErrorCode
  constructor (name: string) {
    super(`No agent named ${JSON.stringify(name)} on this node`)
    this.name = UnknownAgentError.name
  }
}

export class AgentExistsError extends Error {
  static override name = 'AgentExistsError'
  readonly code = 'malformed' satisfies WireErrorCode
  constructor (name: string) {
    super(`An agent named ${JSON.stringify(name)} already exists (remove it first)`)
    this.name = AgentExistsError.name
  }
}

export class InvalidAgentProfileError extends Error {
  static override name = 'InvalidAgentProfileError'
  readonly code = 'malformed' satisfies WireErrorCode
  constructor (message: string) {
    super(message)
    this.name = InvalidAgentProfileError.name
  }
}

export class TooManyAgentsError extends Error {
  static override name = 'TooManyAgentsError'
  readonly code = 'too-large' satisfies WireErrorCode
  constructor (max: number) {
    super(`This node already keeps ${max} agents`)
    this.name = TooManyAgentsError.name
  }
}

/**
 * A call the model proposed that the kernel refuses: a tool it was not
 * offered, arguments that are not a JSON object or fail the schema. The run
 * goes on (the refusal is fed back and costs a step), so a model that keeps
 * at it ends at its budget.
 */
export class RefusedCallError extends Error {
  static override name = 'RefusedCallError'
  readonly code = 'malformed' satisfies WireErrorCode
  /** `unknown-tool`, `bad-arguments`. */
  readonly reason: 'unknown-tool' | 'bad-arguments'
  constructor (reason: RefusedCallError['reason'], message: string) {
    super(message)
    this.name = RefusedCallError.name
    this.reason = reason
  }
}
