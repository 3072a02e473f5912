/**
 * The contract of `POST /api/tasks`: the request body, and the
 * newline-delimited JSON events the node streams back (routed, text,
 * failover, reset, then one `result` or `error` line). Both sides parse with
 * these shapes: the server before it runs a task and before it writes a
 * line, and every client (`ApiClient.runTask`, MCP over stdio, `mycel run`)
 * on each line it reads, so a change to one side is a change to the other.
 *
 * @example
 * for await (const e of api.runTask({ kind: 'echo', input: { prompt: 'hi' } })) {
 *   if (e.type === 'text') process.stdout.write(e.text)
 * }
 */
import { API_ERROR_CODES } from '../../protocol/codes.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { isPlainObject, json, literal, num, object, oneOf, optional, parse, record, str, uint, type Infer, type Shape } from '../../protocol/shape.ts'
import { DATA_CLASSES } from '../../protocol/task/messages.ts'
import { MalformedApiResponseError } from './errors.ts'
import { MAX_EVENT_TEXT_CHARS, MAX_OUTPUT_ITEMS } from './constants.ts'

export const TaskBody = object({
  kind: str({ min: 1, max: 64 }),
  model: optional(str({ max: 128 })),
  input: record(json({ maxDepth: 12, maxItems: 100_000 }), { max: 64 }),
  dataClass: optional(oneOf(DATA_CLASSES)),
  peer: optional(str({ max: 128 })),
  local: optional(literal(true)),
  collection: optional(str({ max: 128 })),
  priority: optional(oneOf(['interactive', 'background'] as const))
})

/** What a client sends to run a task. */
export type TaskRequestBody = Infer<typeof TaskBody>

const id = str({ min: 1, max: 128 })

const Routed = object({ type: literal('routed'), taskId: id, executor: id, attempt: uint({ max: 1000 }) })
const Text = object({ type: literal('text'), text: str({ max: MAX_EVENT_TEXT_CHARS }) })
const Failover = object({ type: literal('failover'), from: id, reason: str({ max: 4096 }) })
const Reset = object({ type: literal('reset') })
const Result = object({
  type: literal('result'),
  /** The session the turn belongs to (`PEER_ID/NAME`), on a session turn. */
  session: optional(str({ max: 192 })),
  taskId: id,
  executor: id,
  output: optional(json({ maxDepth: 32, maxItems: MAX_OUTPUT_ITEMS })),
  usage: optional(object({ promptTokens: uint(), completionTokens: uint() })),
  finishReason: optional(str({ max: 64 })),
  stopSequence: optional(str({ max: 256 })),
  attempts: uint({ max: 1000 })
})
const ErrorLine = object({
  type: literal('error'),
  error: object({
    code: str({ max: 64 }),
    wire: oneOf(API_ERROR_CODES),
    status: uint({ min: 100, max: 599 }),
    message: str({ max: 4096 }),
    retryAfterMs: optional(num({ min: 0 }))
  })
})

const EVENTS = { routed: Routed, text: Text, failover: Failover, reset: Reset, result: Result, error: ErrorLine }

export type TaskEvent = Infer<typeof Routed> | Infer<typeof Text> | Infer<typeof Failover> | Infer<typeof Reset> | TaskResultEvent | TaskErrorEvent
export type TaskResultEvent = Infer<typeof Result>
export type TaskErrorEvent = Infer<typeof ErrorLine>

const TaskEventShape: Shape<TaskEvent> = (value, path) => {
  const type = isPlainObject(value) ? value.type : undefined
  const shape = typeof type === 'string' && Object.hasOwn(EVENTS, type) ? EVENTS[type as keyof typeof EVENTS] : undefined
  if (shape == null) throw new MalformedMessageError(`${path === '' ? 'type' : `${path}.type`}: expected one of ${Object.keys(EVENTS).join(', ')}`)
  return shape(value, path) as TaskEvent
}

/** Checks one event a server is about to write (a bug here is ours, not the client's). */
export function taskEvent (value: unknown): TaskEvent {
  return parse(TaskEventShape, value, 'task event')
}

/** Parses one line a client read; refuses anything off the contract with `MalformedApiResponseError`. */
export function parseTaskEvent (line: string): TaskEvent {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new MalformedApiResponseError('The node sent a task event that is not JSON')
  }
  try {
    return taskEvent(value)
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new MalformedApiResponseError(err.message)
    throw err
  }
}
