/**
 * A watchdog over one model download. node-llama-cpp's resolver (ipull)
 * retries a connection that never answers and has no timeouts of its own, so
 * `models pull` against a silent server hung for minutes. The watchdog aborts
 * when the first bytes take longer than the connect timeout, or when a started
 * download sends nothing for the idle timeout, and its `stalled` promise
 * rejects with a typed error at that moment, whether or not the downloader
 * honours the abort promptly.
 *
 * @example
 * const dog = downloadWatchdog(uri, { connectTimeoutMs: 30_000, idleTimeoutMs: 60_000 })
 * try { await Promise.race([download({ signal: dog.signal, onBytes: dog.progress }), dog.stalled]) } finally { dog.stop() }
 */
import { createHash } from 'node:crypto'
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { InvalidModelUriError, ModelDownloadStalledError } from './errors.ts'

export interface DownloadWatchdogInit {
  connectTimeoutMs: number
  idleTimeoutMs: number
  /** The caller's own cancel. */
  signal?: AbortSignal
}

export interface DownloadWatchdog {
  /** Aborts when the download stalls or the caller's signal aborts. */
  signal: AbortSignal
  /** Rejects with `ModelDownloadStalledError` when a timeout fires; never resolves. */
  stalled: Promise<never>
  /** Report the bytes downloaded so far. */
  progress: (downloadedBytes: number) => void
  stop: () => void
}

export function downloadWatchdog (uri: string, init: DownloadWatchdogInit): DownloadWatchdog {
  const controller = new AbortController()
  let reject!: (err: Error) => void
  const stalled = new Promise<never>((_resolve, rej) => { reject = rej })
  stalled.catch(() => {})
  let last = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const arm = (phase: 'connect' | 'idle', ms: number): void => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      const err = new ModelDownloadStalledError(uri, phase, ms)
      controller.abort(err)
      reject(err)
    }, ms)
  }
  const onCallerAbort = (): void => { controller.abort(init.signal?.reason) }
  if (init.signal?.aborted === true) onCallerAbort()
  else init.signal?.addEventListener('abort', onCallerAbort, { once: true })
  arm('connect', init.connectTimeoutMs)
  return {
    signal: controller.signal,
    stalled,
    progress: (bytes) => {
      if (bytes <= last) return
      last = bytes
      arm('idle', init.idleTimeoutMs)
    },
    stop: () => {
      clearTimeout(timer)
      init.signal?.removeEventListener('abort', onCallerAbort)
    }
  }
}

export interface FetchModelFileInit {
  /**
   * Folder to write into: one per URL (`resumableStaging`), so a download
   * that stopped part way is resumed by the next pull of the same URL.
   */
  directory: string
  signal: AbortSignal
  onProgress?: (downloadedBytes: number, totalBytes: number) => void
  /** Told once when a download continues a partial file. */
  onResume?: (fromBytes: number) => void
}

/** What a staging folder remembers of its partial download. */
const PARTIAL_FILE = 'partial.json'
interface Partial { url: string, file: string, validator?: string }

/** The staging folder of one URL's download: the same for every pull of it. */
export function resumableStaging (modelsDir: string, uri: string): string {
  return join(modelsDir, `.pull-${createHash('sha256').update(uri).digest('hex').slice(0, 16)}`)
}

/** Bytes already downloaded in a staging folder, 0 when none. */
export async function partialBytes (directory: string): Promise<number> {
  const partial = await readPartial(directory)
  if (partial == null) return 0
  return await stat(join(directory, partial.file)).then(s => s.size, () => 0)
}

/**
 * Streams an https URL to a file with `fetch`, whose abort ends the request at
 * any stage (the resolver's own downloader keeps retrying its first request
 * whatever the signal says). A partial file in the folder from an earlier
 * pull of the same URL is continued with a `Range` request (`If-Range` on its
 * ETag or Last-Modified, so a file changed on the server starts over).
 * Returns the file's path.
 */
export async function fetchModelFile (url: string, init: FetchModelFileInit): Promise<string> {
  await mkdir(init.directory, { recursive: true })
  const previous = await readPartial(init.directory)
  const have = previous?.url === url ? await partialBytes(init.directory) : 0
  const headers: Record<string, string> = {}
  if (have > 0) {
    headers.range = `bytes=${have}-`
    if (previous?.validator != null) headers['if-range'] = previous.validator
  }
  let res: Response
  try {
    res = await fetch(url, { signal: init.signal, redirect: 'follow', headers })
  } catch (err) {
    if (init.signal.aborted) throw err
    // too many redirects, a refused connection, a bad certificate: one line, no stack
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message
    throw new InvalidModelUriError(url, `the download failed: ${cause}`)
  }
  if (!res.ok || res.body == null) {
    await res.body?.cancel().catch(() => {})
    throw new InvalidModelUriError(url, `the server answered HTTP ${res.status}`)
  }
  const resumed = have > 0 && res.status === 206 && contentRangeStart(res.headers.get('content-range')) === have
  const offset = resumed ? have : 0
  const name = resumed ? (previous as Partial).file : fileNameOf(new URL(res.url !== '' ? res.url : url))
  const path = join(init.directory, name)
  const length = Number(res.headers.get('content-length') ?? 0)
  const total = length > 0 ? offset + length : 0
  const validator = res.headers.get('etag') ?? res.headers.get('last-modified') ?? undefined
  if (!resumed && previous != null) await rm(join(init.directory, previous.file), { force: true })
  await writeFile(join(init.directory, PARTIAL_FILE), JSON.stringify({ url, file: name, ...(validator != null ? { validator } : {}) } satisfies Partial), { mode: 0o600 })
  if (resumed) init.onResume?.(offset)
  const fh = await open(path, resumed ? 'a' : 'w', 0o600)
  let done = offset
  const reader = res.body.getReader()
  try {
    for (;;) {
      const { done: ended, value: chunk } = await reader.read()
      if (ended) break
      await fh.write(chunk)
      done += chunk.byteLength
      init.onProgress?.(done, total)
    }
  } finally {
    reader.releaseLock()
    await fh.close()
  }
  if (total > 0 && done !== total) throw new InvalidModelUriError(url, `the download ended after ${done} of ${total} bytes; pull it again to resume`)
  await rm(join(init.directory, PARTIAL_FILE), { force: true })
  return path
}

async function readPartial (directory: string): Promise<Partial | undefined> {
  try {
    const v = JSON.parse(await readFile(join(directory, PARTIAL_FILE), 'utf8')) as Partial
    // written by us, but the folder is on disk: a file name that climbs out is not used
    return typeof v.url === 'string' && typeof v.file === 'string' && basename(v.file) === v.file && v.file !== PARTIAL_FILE ? v : undefined
  } catch {
    return undefined
  }
}

/** The first byte of `bytes START-END/TOTAL`, or undefined. */
function contentRangeStart (header: string | null): number | undefined {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header ?? '')
  return m != null ? Number(m[1]) : undefined
}

/** The URL's last path segment as a safe file name. */
function fileNameOf (url: URL): string {
  let last = url.pathname.split('/').pop() ?? ''
  try { last = decodeURIComponent(last) } catch {}
  const safe = last.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 200)
  return safe === '' ? 'model.gguf' : safe
}
