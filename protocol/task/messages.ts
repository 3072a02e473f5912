/**
 * The task protocol (`/mycel/task/1.0.0`), shaped after A2A's task lifecycle:
 * `submitted → working → completed | failed | canceled | rejected`
 * (`input-required` reserved). One stream per exchange:
 *
 * - `submit`: a signed request (delegator's node key, domain
 *   `mycel-task-request`) carrying org, audience (the executor), message id,
 *   issued-at/expiry, kind, model and data class in clear, and the input
 *   encrypted end to end to the executor (HPKE, see protocol/e2e). The
 *   executor answers with state frames, encrypted output chunks with
 *   sequence numbers, and a final encrypted result or an error code.
 * - `attach`: the delegator re-attaches to a running or finished task after a
 *   broken stream and receives everything after `afterSeq`.
 * - `cancel`: stops the task on the executor.
 *
 * Errors cross the wire only as codes from `protocol/codes.ts`.
 */
import { decodeCbor, encodeCbor } from '../cbor.ts'
import { WIRE_ERROR_CODES } from '../codes.ts'
import { arrayOf, bytes, literal, object, oneOf, optional, parse, str, uint, type Infer } from '../shape.ts'
import { isPlainObject } from '../shape.ts'
import { MalformedMessageError } from '../errors.ts'
import { LoadShape } from '../load/beat.ts'

export const TASK_PROTOCOL = '/mycel/task/1.0.0'
export const TASK_REQUEST_DOMAIN = 'mycel-task-request'
export const TASK_REQUEST_TYPE = 'mycel/task-request/1'

/** Largest encrypted task input (prompt, documents). */
export const MAX_TASK_INPUT_BYTES = 1024 * 1024
/** Characters of a tool name a request carries: `PROVIDER.TOOL`, 32 + 1 + 128 (see node/tools). */
export const MAX_TASK_TOOL_CHARS = 161
/** Links a request's delegation chain may carry (protocol/chain); an executor's policy bounds depth further. */
export const MAX_CHAIN_LINKS = 8
/** Largest encoded chain link: a signed record with three peer ids, an agent certificate and a scope. */
export const MAX_CHAIN_LINK_BYTES = 12 * 1024
/** Largest frame on the task protocol: an input of the largest size with the longest chain. */
export const MAX_TASK_FRAME_BYTES = MAX_TASK_INPUT_BYTES + 16 * 1024 + MAX_CHAIN_LINKS * MAX_CHAIN_LINK_BYTES

export const TASK_STATES = ['submitted', 'working', 'input-required', 'completed', 'failed', 'canceled', 'rejected'] as const
export type TaskState = typeof TASK_STATES[number]
export const FINAL_STATES: ReadonlySet<TaskState> = new Set(['completed', 'failed', 'canceled', 'rejected'])

export const DATA_CLASSES = ['public', 'internal', 'confidential', 'local-only'] as const
export type DataClass = typeof DATA_CLASSES[number]

const HEX_ID = str({ min: 32, max: 32, pattern: /^[0-9a-f]{32}$/ })
const KIND = str({ min: 1, max: 64, pattern: /^[a-z][a-z0-9]*(\.[a-z][a-z0-9-]*)*$/ })

/** The signed part of a submit: everything the executor checks before decrypting. */
const TaskRequest = object({
  v: literal(1),
  /** Org id (protocol/org.ts orgIdOf). */
  org: str({ max: 64 }),
  /** Executor peer id: a request is valid for this one node only. */
  audience: str({ max: 128 }),
  /** Delegator peer id (also the signer). */
  from: str({ max: 128 }),
  /** Message id: idempotency and replay protection. */
  msgId: HEX_ID,
  taskId: HEX_ID,
  issuedAt: uint(),
  expiresAt: uint(),
  kind: KIND,
  model: optional(str({ max: 128 })),
  /** A memory collection or tool the task touches, for policy. */
  collection: optional(str({ max: 128 })),
  tool: optional(str({ max: MAX_TASK_TOOL_CHARS })),
  dataClass: oneOf(DATA_CLASSES),
  /** HPKE encapsulated key of the delegator's ephemeral X25519 key. */
  enc: bytes({ length: 32 }),
  /** The task input, sealed to the executor under sequence 0. */
  input: bytes({ max: MAX_TASK_INPUT_BYTES }),
  /**
   * The delegation chain (protocol/chain): signed links, root first, the last
   * one bound to this task and executor. Absent on a task no agent issued; a
   * request without it encodes to the same bytes as before the field existed,
   * and an executor too old to check a chain refuses one (strict shapes).
   */
  chain: optional(arrayOf(bytes({ max: MAX_CHAIN_LINK_BYTES }), { min: 1, max: MAX_CHAIN_LINKS }))
})
export type TaskRequest = Infer<typeof TaskRequest>

export function encodeTaskRequest (req: TaskRequest): Uint8Array {
  return encodeCbor(req)
}

export function decodeTaskRequest (b: Uint8Array): TaskRequest {
  return parse(TaskRequest, decodeCbor(b, { maxBytes: MAX_TASK_FRAME_BYTES }), 'task request')
}

const Submit = object({ v: literal(1), t: literal('submit'), request: bytes({ max: MAX_TASK_FRAME_BYTES - 64 }) })
const Attach = object({ v: literal(1), t: literal('attach'), taskId: HEX_ID, afterSeq: uint() })
const Cancel = object({ v: literal(1), t: literal('cancel'), taskId: HEX_ID })
export type Submit = Infer<typeof Submit>
export type Attach = Infer<typeof Attach>
export type Cancel = Infer<typeof Cancel>
export type TaskCall = Submit | Attach | Cancel

const State = object({ v: literal(1), t: literal('state'), taskId: HEX_ID, state: oneOf(TASK_STATES) })
const Chunk = object({ v: literal(1), t: literal('chunk'), taskId: HEX_ID, seq: uint({ min: 1 }), data: bytes({ max: MAX_TASK_FRAME_BYTES }) })
/**
 * `load` on a result or failure: the executor's running, queued and slot
 * counts as it answered, so the delegator's router holds a figure fresher
 * than the card's. Optional, and sent only to a delegator that handles
 * `LOAD_PROTOCOL` (protocol/load): an older one refuses unknown keys.
 */
const Result = object({ v: literal(1), t: literal('result'), taskId: HEX_ID, seq: uint({ min: 1 }), data: bytes({ max: MAX_TASK_FRAME_BYTES }), load: optional(LoadShape) })
const Failure = object({
  v: literal(1),
  t: literal('error'),
  taskId: optional(HEX_ID),
  state: oneOf(['failed', 'rejected', 'canceled'] as const),
  code: oneOf(WIRE_ERROR_CODES),
  retryAfterMs: optional(uint({ max: 3_600_000 })),
  /** The limit a `max-tokens-exceeded` or `prompt-too-long` task crossed, in tokens. */
  limit: optional(uint({ max: 100_000_000 })),
  load: optional(LoadShape)
})
export type StateFrame = Infer<typeof State>
export type ChunkFrame = Infer<typeof Chunk>
export type ResultFrame = Infer<typeof Result>
export type FailureFrame = Infer<typeof Failure>
export type TaskEvent = StateFrame | ChunkFrame | ResultFrame | FailureFrame

const CALLS = { submit: Submit, attach: Attach, cancel: Cancel } as const
const EVENTS = { state: State, chunk: Chunk, result: Result, error: Failure } as const

export function encodeTaskFrame (frame: TaskCall | TaskEvent): Uint8Array {
  return encodeCbor(frame)
}

function byType<T> (table: Record<string, (v: unknown, p: string) => unknown>, b: Uint8Array, what: string): T {
  const value = decodeCbor(b, { maxBytes: MAX_TASK_FRAME_BYTES })
  if (!isPlainObject(value) || typeof value.t !== 'string' || !Object.hasOwn(table, value.t)) {
    throw new MalformedMessageError(`Malformed ${what}: unknown message type`)
  }
  return parse(table[value.t] as (v: unknown, p: string) => T, value, `${what} (${value.t})`)
}

export function decodeTaskCall (b: Uint8Array): TaskCall {
  return byType<TaskCall>(CALLS, b, 'task call')
}

export function decodeTaskEvent (b: Uint8Array): TaskEvent {
  return byType<TaskEvent>(EVENTS, b, 'task event')
}
