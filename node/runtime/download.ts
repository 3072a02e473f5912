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
import { open } from 'node:fs/promises'
import { join } from 'node:path'
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
  /** Folder to write into (a staging folder: a failed download leaves its partial file there). */
  directory: string
  signal: AbortSignal
  onProgress?: (downloadedBytes: number, totalBytes: number) => void
}

/**
 * Streams an https URL to a file with `fetch`, whose abort ends the request at
 * any stage (the resolver's own downloader keeps retrying its first request
 * whatever the signal says). Returns the file's path.
 */
export async function fetchModelFile (url: string, init: FetchModelFileInit): Promise<string> {
  const res = await fetch(url, { signal: init.signal, redirect: 'follow' })
  if (!res.ok || res.body == null) {
    await res.body?.cancel().catch(() => {})
    throw new InvalidModelUriError(url, `the server answered HTTP ${res.status}`)
  }
  const name = fileNameOf(new URL(res.url !== '' ? res.url : url))
  const path = join(init.directory, name)
  const total = Number(res.headers.get('content-length') ?? 0)
  const fh = await open(path, 'wx', 0o600)
  let done = 0
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
  if (total > 0 && done !== total) throw new InvalidModelUriError(url, `the download ended after ${done} of ${total} bytes`)
  return path
}

/** The URL's last path segment as a safe file name. */
function fileNameOf (url: URL): string {
  let last = url.pathname.split('/').pop() ?? ''
  try { last = decodeURIComponent(last) } catch {}
  const safe = last.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 200)
  return safe === '' ? 'model.gguf' : safe
}
