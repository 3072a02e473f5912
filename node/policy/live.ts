/**
 * The policy file, live: a running node watches `policy.json` and swaps in
 * each edit that parses, so governance changes apply without a restart. An
 * edit that does not parse (or a removed file) leaves the policy in force
 * untouched and is reported with its line, in the log, `status` and
 * `policy show`, until a good edit replaces it. Every reload is audited
 * with the file's digest, never its text.
 *
 * Watching uses chokidar with `atomic` and `awaitWriteFinish`, because
 * editors save by writing a temporary file and renaming it over the old one,
 * or in several writes: a plain `fs.watch` sees a half-written file or loses
 * the watch after the rename.
 *
 * @example
 * const live = livePolicy({ path: paths.policy })({ engine: policy, logger, audit, onChange: () => cards.publish() })
 * await live.start()
 * await live.reload() // → { ok: true, rules: 4, digest: '…' } or { ok: false, error: 'policy.json line 7: …' }
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from '../../identity/bytes.ts'
import type { Logger } from '../logger.ts'
import { POLICY_WATCH_SETTLE_MS } from './constants.ts'
import { policyFromBytes } from './load.ts'
import { PolicyFileNotFoundError } from './errors.ts'
import type { PolicyEngine } from './engine.ts'

/** How the last reload went, for `status`, `policy show` and the dashboard. */
export interface PolicyReloadState {
  /** The file the node watches. */
  path: string
  /** When the policy in force was loaded (ms since the epoch). */
  loadedAt: number
  /** SHA-256 (hex) of the file the policy in force came from; absent when it came from no file. */
  digest?: string
  /** Set while the file on disk is not the policy in force: why it was refused, e.g. `policy.json line 7: …`. */
  error?: string
  /** When that refused edit was seen. */
  errorAt?: number
}

export type PolicyReloadResult =
  | { ok: true, changed: boolean, rules: number, digest: string }
  | { ok: false, error: string }

export interface LivePolicyComponents {
  engine: Pick<PolicyEngine, 'setPolicy' | 'policy'>
  logger: Logger
  /** Where reloads are recorded; optional in unit tests. */
  audit?: { append: (entry: { type: string, actor: string, data: Record<string, string | number | boolean> }) => Promise<unknown> }
  /** This node's peer id, the actor of a reload entry. */
  self?: string
  /** Called after a new policy is in force (republish the card: it summarises the policy). */
  onChange?: () => void | Promise<unknown>
}

export interface LivePolicyInit {
  path: string
  /** Watch the file. @default true */
  watch?: boolean
  /** How long a file must stay unchanged before it is read. @default POLICY_WATCH_SETTLE_MS */
  settleMs?: number
}

export function livePolicy (init: LivePolicyInit) {
  return (components: LivePolicyComponents) => new LivePolicy(components, init)
}

export class LivePolicy {
  private readonly c: LivePolicyComponents
  private readonly init: LivePolicyInit
  private watcher?: FSWatcher
  private state: PolicyReloadState
  /** Reloads run one after another, so a slow read never overwrites a newer one. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor (components: LivePolicyComponents, init: LivePolicyInit) {
    this.c = components
    this.init = init
    this.state = { path: init.path, loadedAt: Date.now() }
  }

  async start (): Promise<void> {
    this.state.digest = await fileDigest(this.init.path)
    if (this.init.watch === false) return
    const settle = this.init.settleMs ?? POLICY_WATCH_SETTLE_MS
    this.watcher = watch(this.init.path, {
      ignoreInitial: true,
      atomic: true,
      awaitWriteFinish: { stabilityThreshold: settle, pollInterval: Math.max(10, Math.floor(settle / 4)) }
    })
    this.watcher.on('add', () => { void this.reload() })
    this.watcher.on('change', () => { void this.reload() })
    this.watcher.on('unlink', () => { this.refuse(`${basename(this.init.path)} was removed; the policy in force stays until it is written again`) })
    this.watcher.on('error', (err) => { this.c.logger('watching %s failed: %s', this.init.path, (err as Error).message) })
    await new Promise<void>(resolve => this.watcher?.once('ready', () => { resolve() }))
  }

  async stop (): Promise<void> {
    await this.watcher?.close()
    this.watcher = undefined
    await this.queue.catch(() => {})
  }

  status (): PolicyReloadState {
    return { ...this.state }
  }

  /** Reads the file and puts it in force if it parses; otherwise keeps the policy in force and records why. */
  async reload (): Promise<PolicyReloadResult> {
    const run = this.queue.then(async () => await this.reloadNow())
    this.queue = run.catch(() => {})
    return await run
  }

  private async reloadNow (): Promise<PolicyReloadResult> {
    let digest: string | undefined
    try {
      const bytes = await readFile(this.init.path).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new PolicyFileNotFoundError(`Policy file ${this.init.path} not found`) : err
      })
      digest = toHex(sha256(bytes))
      const policy = policyFromBytes(bytes, this.init.path)
      const changed = digest !== this.state.digest
      if (changed) this.c.engine.setPolicy(policy)
      this.state = { path: this.init.path, loadedAt: changed ? Date.now() : this.state.loadedAt, ...(digest != null ? { digest } : {}) }
      if (changed) {
        this.c.logger('policy reloaded from %s: %d rules', this.init.path, policy.rules.length)
        await this.record({ ok: true, rules: policy.rules.length, digest: digest ?? '' })
        await Promise.resolve(this.c.onChange?.()).catch((err: Error) => { this.c.logger('after the policy reload: %s', err.message) })
      }
      return { ok: true, changed, rules: policy.rules.length, digest: digest ?? '' }
    } catch (err) {
      const message = (err as Error).message
      this.refuse(message)
      await this.record({ ok: false, digest: digest ?? '', error: message.slice(0, 200) })
      return { ok: false, error: message }
    }
  }

  private refuse (error: string): void {
    this.state = { ...this.state, error, errorAt: Date.now() }
    this.c.logger('policy edit refused, the policy in force stays: %s', error)
  }

  private async record (data: Record<string, string | number | boolean>): Promise<void> {
    if (this.c.audit == null || this.c.self == null) return
    await this.c.audit.append({ type: 'policy.reload', actor: this.c.self, data }).catch((err: Error) => { this.c.logger('auditing the policy reload failed: %s', err.message) })
  }
}

async function fileDigest (path: string): Promise<string | undefined> {
  try { return toHex(sha256(await readFile(path))) } catch { return undefined }
}
