/**
 * The CLI's client of a running node's control API. It finds the node by its
 * home alone: the node writes `api.json` (address and token, mode 0600) at
 * start and removes it at stop.
 *
 * @example
 * const api = await ApiClient.fromHome(home)
 * for await (const e of api.runTask({ kind: 'echo', input: { prompt: 'hi' } })) console.log(e)
 */
import { readFile } from 'node:fs/promises'
import { homePaths } from '../home/home.ts'
import { isProcessAlive } from '../home/lock.ts'
import { arrayOf, isPlainObject, object, optional, parse, str, uint } from '../../protocol/shape.ts'
import { ERROR_STATUS, isApiErrorCode, type ApiErrorCode } from '../../protocol/codes.ts'
import { MalformedApiResponseError, NodeNotRunningError } from './errors.ts'
import { MAX_EVENT_LINE_BYTES } from './constants.ts'
import { parseTaskEvent, type TaskEvent, type TaskRequestBody } from './task-stream.ts'
import type { SessionTurnRequestBody } from './session-body.ts'

const ApiFile = object({ url: str({ max: 256 }), token: str({ max: 256 }), pid: uint(), listen: optional(arrayOf(str({ max: 256 }), { max: 16 })) })

export interface ApiFileContents { url: string, token: string, pid: number }

/** An error the node answered with; `code` is its API error code (`protocol/codes.ts`). */
export class ApiRequestError extends Error {
  static override name = 'ApiRequestError'
  readonly status: number
  readonly code: ApiErrorCode
  readonly retryAfterMs?: number
  constructor (status: number, code: ApiErrorCode, message: string, retryAfterMs?: number) {
    super(message)
    this.name = ApiRequestError.name
    this.status = status
    this.code = code
    if (retryAfterMs != null) this.retryAfterMs = retryAfterMs
  }
}

export async function readApiFile (home: string): Promise<ApiFileContents | undefined> {
  try {
    const text = await readFile(homePaths(home).api, 'utf8')
    const file = parse(ApiFile, JSON.parse(text), 'api.json')
    // left by a node that died without stopping: no node runs, and offline commands may open the home
    return isProcessAlive(file.pid) ? file : undefined
  } catch {
    return undefined
  }
}

export class ApiClient {
  readonly url: string
  private readonly token: string

  constructor (url: string, token: string) {
    this.url = url
    this.token = token
  }

  static async fromHome (home: string): Promise<ApiClient> {
    const file = await readApiFile(home)
    if (file == null) throw new NodeNotRunningError()
    return new ApiClient(file.url, file.token)
  }

  async get<T = unknown> (path: string, signal?: AbortSignal): Promise<T> {
    return await this.request<T>('GET', path, undefined, signal)
  }

  async post<T = unknown> (path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return await this.request<T>('POST', path, body, signal)
  }

  async delete<T = unknown> (path: string, signal?: AbortSignal): Promise<T> {
    return await this.request<T>('DELETE', path, undefined, signal)
  }

  /** Runs one session turn (`POST /api/sessions/turns`) and yields its events, as `runTask` does. */
  async * sessionTurn (body: SessionTurnRequestBody, signal?: AbortSignal): AsyncGenerator<TaskEvent> {
    for await (const line of this.lines('/api/sessions/turns', body, signal)) yield parseTaskEvent(line)
  }

  /** Runs a task (`POST /api/tasks`) and yields its events, each checked against the contract. */
  async * runTask (body: TaskRequestBody, signal?: AbortSignal): AsyncGenerator<TaskEvent> {
    for await (const line of this.lines('/api/tasks', body, signal)) yield parseTaskEvent(line)
  }

  /** POSTs and yields each line of a newline-delimited JSON response, parsed, as it arrives. */
  async * stream<T = unknown> (path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<T> {
    for await (const line of this.lines(path, body, signal)) {
      try {
        yield JSON.parse(line) as T
      } catch (err) {
        if (err instanceof SyntaxError) throw new MalformedApiResponseError(`The node sent a line that is not JSON on ${path}`)
        throw err
      }
    }
  }

  /** The non-empty lines of a streamed answer, each at most `MAX_EVENT_LINE_BYTES`. */
  private async * lines (path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<string> {
    const res = await this.fetch('POST', path, body, signal)
    if (res.body == null) return
    const decoder = new TextDecoder()
    let buf = ''
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true })
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (line !== '') yield line
      }
      if (buf.length > MAX_EVENT_LINE_BYTES) throw new MalformedApiResponseError(`The node sent a line over ${MAX_EVENT_LINE_BYTES} bytes on ${path}`)
    }
    if (buf.trim() !== '') yield buf.trim()
  }

  private async request<T> (method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.fetch(method, path, body, signal)
    try {
      return await res.json() as T
    } catch {
      throw new MalformedApiResponseError(`The node's answer to ${method} ${path} is not JSON`)
    }
  }

  private async fetch (method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    let res: Response
    try {
      res = await fetch(this.url + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal != null ? { signal } : {})
      })
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      throw new NodeNotRunningError(`No node answers at ${this.url}; is \`mycel start\` running for this home?`)
    }
    if (!res.ok) throw await errorOf(res)
    return res
  }
}

/** The typed error of a failed answer: the node's own code when its body says, else the status's. */
async function errorOf (res: Response): Promise<ApiRequestError> {
  let wire: ApiErrorCode = codeOfStatus(res.status)
  let message = `${res.status} ${res.statusText}`
  let retryAfterMs: number | undefined
  const header = Number(res.headers.get('retry-after'))
  if (Number.isFinite(header) && header > 0) retryAfterMs = header * 1000
  try {
    const j = await res.json() as unknown
    const e = isPlainObject(j) && isPlainObject(j.error) ? j.error : undefined
    if (isApiErrorCode(e?.wire)) wire = e.wire
    if (typeof e?.message === 'string') message = e.message.slice(0, 4096)
    if (typeof e?.retryAfterMs === 'number' && Number.isFinite(e.retryAfterMs)) retryAfterMs = e.retryAfterMs
  } catch {}
  return new ApiRequestError(res.status, wire, message, retryAfterMs)
}

function codeOfStatus (status: number): ApiErrorCode {
  for (const [code, s] of Object.entries(ERROR_STATUS)) if (s.http === status) return code as ApiErrorCode
  return status >= 500 ? 'internal' : 'malformed'
}
