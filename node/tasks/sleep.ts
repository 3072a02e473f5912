/**
 * The one pause of the task module: resolves after `ms`, or rejects with the
 * signal's reason (a typed error such as a canceled task) when it aborts.
 *
 * @example
 * await sleep(retryAfterMs, signal)
 */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(signal?.reason) }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve() }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
