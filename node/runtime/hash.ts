/** Streaming SHA-256 of a file, with progress and cancel. */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'

export type HashProgress = (doneBytes: number, totalBytes: number) => void

export async function sha256File (path: string, opts: { onProgress?: HashProgress, signal?: AbortSignal } = {}): Promise<string> {
  const total = (await stat(path)).size
  const hash = createHash('sha256')
  let done = 0
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(opts.signal != null ? { signal: opts.signal } : {}) })
  for await (const chunk of stream) {
    hash.update(chunk as Buffer)
    done += (chunk as Buffer).length
    opts.onProgress?.(done, total)
  }
  if (total === 0) opts.onProgress?.(0, 0)
  return hash.digest('hex')
}
