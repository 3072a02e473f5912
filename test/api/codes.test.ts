/**
 * One map from error code to every API's status: each code has an HTTP
 * status, a public word and an MCP line, and the typed errors the node
 * throws land on the code (and so the status) users have always seen.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { API_ERROR_CODES, ERROR_STATUS, WIRE_ERROR_CODES, WIRE_ERROR_TEXT } from '../../protocol/codes.ts'
import { codeOf, HttpError, NodeNotRunningError, publicMessage, statusOf } from '../../node/api/errors.ts'
import { openAiError } from '../../node/openai/errors.ts'
import { describeFailure, MeshTaskError } from '../../node/mcp/index.ts'
import { BusyError, InvalidTaskInputError, NoCandidateError, PolicyDeniedError, TaskFailedError, UnknownTaskError } from '../../node/tasks/errors.ts'
import { NotAdminError } from '../../node/membership/errors.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'

describe('error codes and their statuses', () => {
  it('every code has an HTTP status, a public word and an MCP line', () => {
    assert.deepEqual(Object.keys(ERROR_STATUS).sort(), [...API_ERROR_CODES].sort())
    for (const code of API_ERROR_CODES) {
      const s = ERROR_STATUS[code]
      assert.ok(Number.isInteger(s.http) && s.http >= 400 && s.http <= 599, `${code}: HTTP status ${s.http}`)
      assert.match(s.api, /^[a-z_]+$/, `${code}: public word`)
      assert.ok(s.mcp.length > 0, `${code}: MCP line`)
      const openai = openAiError(new HttpError(code, 'why'))
      assert.equal(openai.error.code, s.api)
      assert.equal(typeof openai.error.type, 'string')
      assert.ok(describeFailure(new MeshTaskError(code, 'why'), 'echo').startsWith(s.mcp), `${code}: MCP line leads`)
    }
  })

  it('every wire code is an API code, with its fixed text', () => {
    for (const code of WIRE_ERROR_CODES) {
      assert.ok((API_ERROR_CODES as readonly string[]).includes(code))
      assert.ok(WIRE_ERROR_TEXT[code].length > 0)
    }
  })

  it('public words are unique, so a client can tell any two codes apart', () => {
    const words = API_ERROR_CODES.map(c => ERROR_STATUS[c].api)
    assert.equal(new Set(words).size, words.length)
  })

  it('typed errors keep the statuses users know', () => {
    const cases: Array<[Error, number]> = [
      [new PolicyDeniedError(), 403],
      [new TaskFailedError('denied'), 403],
      [new BusyError(2000), 429],
      [new TaskFailedError('busy', undefined, 1000), 429],
      [new NoCandidateError(), 404],
      [new UnknownTaskError(), 404],
      [new InvalidTaskInputError(), 400],
      [new MalformedMessageError(), 400],
      [new NotAdminError(), 403],
      [new TaskFailedError('timeout'), 504],
      [new TaskFailedError('unavailable'), 503],
      [new TaskFailedError('internal'), 502],
      [new NodeNotRunningError(), 503],
      [new Error('a bug'), 500]
    ]
    for (const [err, status] of cases) assert.equal(statusOf(err), status, `${err.name}: ${err.message}`)
  })

  it('an internal failure hides its message; a typed one keeps it', () => {
    assert.equal(publicMessage(new Error('secret /home/me/path')), 'Internal error')
    assert.equal(publicMessage(new TaskFailedError('internal', 'Executor failed the task')), 'Executor failed the task')
    assert.equal(codeOf(new TaskFailedError('internal')), 'executor-failed')
  })

  it('MCP lines say what to do', () => {
    assert.equal(describeFailure(new BusyError(2500), 'echo'), 'Every capable member is busy; try again in 3 s')
    assert.match(describeFailure(new NoCandidateError('No member offers model x'), 'llm.chat'), /^No member can run this: No member offers model x$/)
    assert.match(describeFailure(new NoCandidateError(), 'memory.ask'), /offers memory\.ask/)
  })
})
