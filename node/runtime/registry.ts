/**
 * The models a node may run: GGUF files registered under a name with their
 * SHA-256 and header metadata, kept in `<home>/models/registry.json`.
 *
 * The file is rewritten atomically (write beside, rename) and re-read when its
 * mtime or size changes, so `mycel models add/rm` takes effect in a running
 * node without a restart.
 *
 * @example
 * const registry = new ModelRegistry({ dir: homePaths(home).modelsDir })
 * const model = await registry.add('/data/qwen2.5-0.5b-q8_0.gguf', { name: 'qwen-0.5b' })
 */
import { access, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, join, resolve as resolvePath } from 'node:path'
import { arrayOf, bool, literal, object, optional, parse, str, uint } from '../../protocol/shape.ts'
import { createLogger, type Logger } from '../logger.ts'
import { PULL_ABORT_GRACE_MS, PULL_CONNECT_TIMEOUT_MS, PULL_IDLE_TIMEOUT_MS } from './constants.ts'
import { downloadWatchdog, fetchModelFile, partialBytes, resumableStaging } from './download.ts'
import { InvalidModelFileError, InvalidModelUriError, ModelDigestMismatchError, ModelExistsError, ModelHashMismatchError, UnknownModelError } from './errors.ts'
import { sha256File, type HashProgress } from './hash.ts'

export interface RegisteredModel {
  name: string
  sha256: string
  /** Absolute path of the GGUF file. */
  path: string
  architecture: string
  parameterCount: number
  /** llama.cpp file type, e.g. `Q4_K_M`. */
  quantisation: string
  /** Context length the model was trained with. */
  contextLength: number
  /** Width of the model's embeddings. */
  embeddingLength: number
  hasChatTemplate: boolean
  /** The file declares a pooling type: an embedding model. Absent in entries written before it was recorded. */
  pooling?: boolean
  sizeBytes: number
  /** ISO 8601. */
  addedAt: string
}

export interface ModelRegistryInit {
  /** Folder of `registry.json` and of pulled models, normally `homePaths(home).modelsDir`. */
  dir: string
  logger?: Logger
}

export interface AddModelOptions {
  /** @default the file name without `.gguf` */
  name?: string
  onProgress?: HashProgress
  signal?: AbortSignal
  /** The digest (hex) the file must have; otherwise it is refused and nothing is registered. */
  sha256?: string
}

export interface PullModelOptions {
  name?: string
  /** The digest (hex) the download must have; otherwise the file is deleted and nothing is registered. */
  sha256?: string
  /** Give up when no data arrives within this long. @default PULL_CONNECT_TIMEOUT_MS */
  connectTimeoutMs?: number
  /** Give up when a started download sends nothing for this long. @default PULL_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number
  /** Download progress, then hashing progress (`phase` tells which). */
  onProgress?: (phase: 'download' | 'hash', doneBytes: number, totalBytes: number) => void
  /** An https pull that continues a partial download of the same URL says from where. */
  onResume?: (fromBytes: number) => void
  signal?: AbortSignal
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
const SHA256 = /^[0-9a-f]{64}$/
const REGISTRY_VERSION = 1

const Entry = object({
  name: str({ pattern: NAME, max: 128 }),
  sha256: str({ pattern: SHA256, max: 64 }),
  path: str({ min: 1, max: 4096 }),
  architecture: str({ max: 128 }),
  parameterCount: uint(),
  quantisation: str({ max: 64 }),
  contextLength: uint(),
  embeddingLength: uint(),
  hasChatTemplate: bool,
  pooling: optional(bool),
  sizeBytes: uint(),
  addedAt: str({ max: 64 })
})
const RegistryFile = object({ version: literal(REGISTRY_VERSION), models: arrayOf(Entry, { max: 10_000 }) })

/** `hf:owner/repo[:quant]`, `hf:owner/repo/path/file.gguf`, `huggingface:...`, or an https URL. */
export function validateModelUri (uri: string): void {
  if (/^(hf|huggingface):/.test(uri)) {
    const rest = uri.replace(/^(hf|huggingface):/, '')
    if (!/^[A-Za-z0-9][\w.-]*\/[\w.-]+(:[\w.-]+|(\/[\w.-]+)*\/?[\w.-]*\.gguf)?$/.test(rest)) throw new InvalidModelUriError(uri)
    return
  }
  let url: URL
  try { url = new URL(uri) } catch { throw new InvalidModelUriError(uri) }
  if (url.protocol !== 'https:') throw new InvalidModelUriError(uri, 'only https:// URLs (or hf: URIs) are fetched')
  if (url.username !== '' || url.password !== '') throw new InvalidModelUriError(uri, 'credentials in the URL are not accepted')
}

export function defaultModelName (path: string): string {
  const base = basename(path).replace(/\.gguf$/i, '').replace(/[^A-Za-z0-9._:-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '')
  return base.slice(0, 128) || 'model'
}

export class ModelRegistry {
  readonly dir: string
  readonly file: string
  private readonly log: Logger
  private cache: { mtimeMs: number, size: number, models: RegisteredModel[] } | undefined
  private writing: Promise<unknown> = Promise.resolve()

  constructor (init: ModelRegistryInit) {
    this.dir = resolvePath(init.dir)
    this.file = join(this.dir, 'registry.json')
    this.log = init.logger ?? createLogger('mycel:node:runtime:registry')
  }

  async list (): Promise<RegisteredModel[]> {
    return (await this.read()).map(m => ({ ...m }))
  }

  async resolve (name: string): Promise<RegisteredModel> {
    const m = (await this.read()).find(m => m.name === name)
    if (m == null) throw new UnknownModelError(name)
    return { ...m }
  }

  /** Hashes and inspects a GGUF file and registers it. Re-adding the same file under its name is a no-op. */
  async add (path: string, opts: AddModelOptions = {}): Promise<RegisteredModel> {
    const abs = resolvePath(path)
    const name = opts.name ?? defaultModelName(abs)
    if (!NAME.test(name)) throw new InvalidModelFileError(abs, `"${name}" is not a valid model name (letters, digits, . _ : -)`)
    // gguf-info imports node-llama-cpp's values: loaded on first use, so a node without a model never pays for it
    const { readModelFileInfo } = await import('./gguf-info.ts')
    const info = await readModelFileInfo(abs, opts.signal)
    if (opts.sha256 != null && !SHA256.test(opts.sha256)) throw new InvalidModelFileError(abs, 'the expected sha256 must be 64 lower-case hex digits')
    const sha256 = await sha256File(abs, opts)
    if (opts.sha256 != null && sha256 !== opts.sha256) throw new ModelDigestMismatchError(abs, opts.sha256, sha256)
    const entry: RegisteredModel = {
      name,
      sha256,
      path: abs,
      architecture: info.architecture,
      parameterCount: info.parameterCount,
      quantisation: info.quantisation,
      contextLength: info.contextLength,
      embeddingLength: info.embeddingLength,
      hasChatTemplate: info.hasChatTemplate,
      pooling: info.pooling,
      sizeBytes: info.sizeBytes,
      addedAt: new Date().toISOString()
    }
    return await this.update(models => {
      const existing = models.find(m => m.name === name)
      if (existing != null && existing.sha256 !== sha256) throw new ModelExistsError(name)
      if (existing != null) return { models, result: existing }
      this.log('registered %s (%s, %s)', name, sha256, abs)
      return { models: [...models, entry], result: entry }
    })
  }

  async remove (name: string): Promise<RegisteredModel> {
    return await this.update(models => {
      const m = models.find(m => m.name === name)
      if (m == null) throw new UnknownModelError(name)
      this.log('removed %s', name)
      return { models: models.filter(x => x !== m), result: m }
    })
  }

  /**
   * Re-hashes the registered file and refuses it when it changed.
   * @throws ModelHashMismatchError, InvalidModelFileError
   */
  async verify (model: RegisteredModel, opts: { onProgress?: HashProgress, signal?: AbortSignal } = {}): Promise<void> {
    let actual: string
    try {
      actual = await sha256File(model.path, opts)
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      throw new InvalidModelFileError(model.path, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the registered file is gone' : (err as Error).message)
    }
    if (actual !== model.sha256) throw new ModelHashMismatchError(model.name, model.sha256, actual)
  }

  /**
   * Downloads a model (an https URL with `fetch`, Hugging Face through
   * node-llama-cpp's resolver) into a staging folder inside the models
   * folder, moves it beside the others and registers it. A download that
   * stalls (see `download.ts`), fails or is canceled registers nothing; an
   * https download that stopped part way keeps its partial file in its
   * `.pull-…` folder, and the next pull of the same URL resumes it. A file
   * whose digest is not the expected one is deleted.
   * @throws ModelDownloadStalledError, InvalidModelUriError, ModelExistsError
   */
  async pull (uri: string, opts: PullModelOptions = {}): Promise<RegisteredModel> {
    validateModelUri(uri)
    // refused before a byte is downloaded, not after gigabytes
    if (opts.sha256 != null && !SHA256.test(opts.sha256)) throw new InvalidModelUriError(uri, 'the expected sha256 must be 64 lower-case hex digits')
    await mkdir(this.dir, { recursive: true })
    const https = uri.startsWith('https:')
    // https downloads resume: one staging folder per URL, kept when the download stops part way
    const staging = https ? resumableStaging(this.dir, uri) : await mkdtemp(join(this.dir, '.pull-'))
    const dog = downloadWatchdog(uri, {
      connectTimeoutMs: opts.connectTimeoutMs ?? PULL_CONNECT_TIMEOUT_MS,
      idleTimeoutMs: opts.idleTimeoutMs ?? PULL_IDLE_TIMEOUT_MS,
      ...(opts.signal != null ? { signal: opts.signal } : {})
    })
    const onBytes = (done: number, total: number): void => { dog.progress(done); opts.onProgress?.('download', done, total) }
    // https URLs are fetched directly, so the watchdog's abort ends them at any stage; hf: URIs need the resolver
    const download = https
      ? fetchModelFile(uri, {
        directory: staging,
        signal: dog.signal,
        onProgress: onBytes,
        onResume: (from) => { dog.progress(from); opts.onResume?.(from) }
      })
      : (await import('node-llama-cpp')).resolveModelFile(uri, {
        directory: staging,
        download: 'auto',
        cli: false,
        signal: dog.signal,
        onProgress: ({ totalSize, downloadedSize }) => { onBytes(downloadedSize, totalSize) }
      })
    let staged: string
    try {
      staged = await Promise.race([download, dog.stalled])
    } catch (err) {
      // let the downloader wind down before its folder goes, so it cannot write into it again
      await Promise.race([download.catch(() => {}), new Promise(resolve => setTimeout(resolve, PULL_ABORT_GRACE_MS))])
      // a partial https download stays for the next pull of the URL to resume; anything else goes
      if (!https || await partialBytes(staging) === 0) await rm(staging, { recursive: true, force: true })
      throw err
    } finally {
      dog.stop()
    }
    const path = join(this.dir, basename(staged))
    try {
      if (await access(path).then(() => true, () => false)) throw new ModelExistsError(basename(staged), `A file named "${basename(staged)}" is already in ${this.dir}; remove it first`)
      await rename(staged, path)
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
    try {
      return await this.add(path, {
        ...(opts.name != null ? { name: opts.name } : {}),
        ...(opts.signal != null ? { signal: opts.signal } : {}),
        ...(opts.sha256 != null ? { sha256: opts.sha256 } : {}),
        onProgress: (done, total) => { opts.onProgress?.('hash', done, total) }
      })
    } catch (err) {
      // a download that is not the file the user meant, or not a model at all, is not kept
      await rm(path, { force: true })
      throw err
    }
  }

  private async read (): Promise<RegisteredModel[]> {
    let s
    try {
      s = await stat(this.file)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    if (this.cache != null && this.cache.mtimeMs === s.mtimeMs && this.cache.size === s.size) return this.cache.models
    const text = await readFile(this.file, 'utf8')
    let models: RegisteredModel[]
    try {
      models = parse(RegistryFile, JSON.parse(text), 'registry').models
    } catch (err) {
      throw new Error(`Model registry ${this.file} is corrupt (${(err as Error).message}); fix or remove it`)
    }
    this.cache = { mtimeMs: s.mtimeMs, size: s.size, models }
    return models
  }

  /** Read-modify-write, serialised within this process; the rename makes each write atomic. */
  private async update<R> (fn: (models: RegisteredModel[]) => { models: RegisteredModel[], result: R }): Promise<R> {
    const run = this.writing.then(async () => {
      const { models, result } = fn(await this.read())
      await mkdir(this.dir, { recursive: true })
      const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`
      await writeFile(tmp, JSON.stringify({ version: REGISTRY_VERSION, models }, null, 2) + '\n', { mode: 0o600 })
      await rename(tmp, this.file)
      this.cache = undefined
      return result
    })
    this.writing = run.catch(() => {})
    return await run
  }
}

/** Architectures that only embed (encoders): llama.cpp's names. */
const EMBEDDING_ARCHITECTURES = new Set(['bert', 'nomic-bert', 'nomic-bert-moe', 'jina-bert-v2', 'jina-bert-v3', 'neo-bert', 'modern-bert', 't5encoder'])

/** Whether a registered model makes embeddings for memory: an encoder, or a file that declares its pooling. */
export function isEmbeddingModel (m: Pick<RegisteredModel, 'architecture' | 'pooling'>): boolean {
  return m.pooling === true || EMBEDDING_ARCHITECTURES.has(m.architecture)
}
