/**
 * Optional subsystems (the OpenAI client, the MCP and A2A SDKs, QR codes,
 * mail, git and PDF parsers) load on first use, not at start: importing them
 * all cost `mycel start` more than a second of module loading. Each subsystem
 * has one loader made with `lazyModule`: the first call imports, later calls
 * share that promise, and a failed import is retried on the next call rather
 * than remembered, as a `ModuleLoadError` naming the package. `loaded()`
 * answers synchronously with the module once it is in, for code that must
 * not wait (an error mapper: an SDK's error can only exist once its SDK has
 * loaded).
 *
 * @example
 * export const loadQrCode = lazyModule('qrcode', async () => (await import('qrcode')).default)
 * const QRCode = await loadQrCode()
 */
export class ModuleLoadError extends Error {
  static override readonly name = 'ModuleLoadError'
  readonly module: string

  constructor (module: string, options?: ErrorOptions) {
    super(`Could not load the ${module} package (is it installed?)`, options)
    this.name = ModuleLoadError.name
    this.module = module
  }
}

export interface LazyModule<T> {
  (): Promise<T>
  /** The module when it has loaded, else undefined; never starts a load. */
  loaded: () => T | undefined
}

export function lazyModule<T> (module: string, load: () => Promise<T>): LazyModule<T> {
  let pending: Promise<T> | undefined
  let value: T | undefined
  const get = async (): Promise<T> => {
    pending ??= load().then(
      m => { value = m; return m },
      (err: unknown) => { pending = undefined; throw new ModuleLoadError(module, { cause: err }) }
    )
    return await pending
  }
  return Object.assign(get, { loaded: () => value })
}
