/**
 * The CLI's client of a running node's control API. It finds the node by its
 * home alone: the node writes `api.json` (address and token, mode 0600) at
 * start and removes it at stop.
 */
import { readFile } from 'node:fs/promises'
import { homePaths } from '../home.ts'
import { NodeNotRunningError } from '../cli/errors.ts'
import { arrayOf, object, optional, parse, str, uint } from '../../protocol/shape.ts'

const ApiFile = object({ url: str({ max: 256 }), token: str({ max: 256 }), pid: uint(), listen: optional(arrayOf(str({ max: 256 }), { max: 16 })) })

export interface ApiFileContents { url: string, token: string, pid: number }

/** An error the node answered with; `code` is its typed error name. */
export class ApiRequestError extends Error {
  static override name = 'ApiRequestError'
  readonly status: number
  readonly code: string
  constructor (status: number, code: string, message: string) {
    super(message)
    this.name = ApiRequestError.name
    this.status = status
    this.code = code
  }
}

export async function readApiFile (home: string): Promise<ApiFileContents | undefined> {
  try {
    const text = await readFile(homePaths(home).api, 'utf8')
    return parse(ApiFile, JSON.parse(text), 'api.json')
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

  /** POSTs and yields each line of a newline-delimited JSON response as it arrives. */
  async * stream<T = unknown> (path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<T> {
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
        if (line !== '') yield JSON.parse(line) as T
      }
    }
    if (buf.trim() !== '') yield JSON.parse(buf) as T
  }

  private async request<T> (method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const res = await this.fetch(method, path, body, signal)
    return await res.json() as T
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
    if (!res.ok) {
      let code = 'HttpError'; let message = `${res.status} ${res.statusText}`
      try {
        const j = await res.json() as { error?: { code?: string, message?: string } }
        code = j.error?.code ?? code; message = j.error?.message ?? message
      } catch {}
      throw new ApiRequestError(res.status, code, message)
    }
    return res
  }
}
