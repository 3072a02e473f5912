/**
 * A throw-away mesh for tests and benchmarks: temporary homes, the `mycel`
 * CLI run as a real process (or in-process where start-up cost matters), node
 * processes started with `mycel start` on 127.0.0.1, and a teardown that
 * always runs: processes stopped (then killed), folders removed, even when a
 * test fails or the test process itself exits early.
 *
 * @example
 * const h = new Harness(); after(() => h.cleanup()) // tests: harness(t) from test/helpers
 * const a = await h.start(await h.found('acme', 'alpha'))
 * const b = await h.start(await h.join(await h.invite(a), 'beta'))
 * await waitFor(async () => (await a.peers()).length === 1)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import type { MycelNode, MycelNodeInit, PeerSummary, StatusSummary } from '../../node/assembly/index.ts'
import { waitFor } from './wait.ts'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
// the checkout runs the TypeScript, an installed package its built JavaScript (dist/ mirrors the tree)
export const CLI_BIN = join(REPO_ROOT, 'node', 'cli', import.meta.url.endsWith('.ts') ? 'bin.ts' : 'bin.js')
/** Where test nodes listen and serve their API. */
export const LOOPBACK_LISTEN = '/ip4/127.0.0.1/tcp/0'
export const LOOPBACK_API = '127.0.0.1:0'

const MAX_CAPTURE_CHARS = 4 * 1024 * 1024
const live = new Set<ChildProcess>()
let exitHookInstalled = false

/** Last resort: children never outlive the test process, even when it crashes. */
function track (child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.on('exit', () => { for (const c of live) c.kill('SIGKILL') })
  }
  live.add(child)
  child.once('exit', () => { live.delete(child) })
}

/** The environment children get: ours, minus anything that would change what they do (test-runner hooks, MYCEL_*, DEBUG). */
export function childEnv (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('NODE_TEST') || k.startsWith('MYCEL_') || k === 'DEBUG' || k === 'NODE_OPTIONS') continue
    env[k] = v
  }
  return { ...env, ...extra }
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** stdout parsed as JSON (for `--json` commands). */
  json: <T = any>() => T
}

function result (code: number, stdout: string, stderr: string): CliResult {
  return {
    code,
    stdout,
    stderr,
    json: <T>() => {
      try { return JSON.parse(stdout) as T } catch { throw new Error(`stdout is not JSON (exit ${code}): ${stdout.slice(0, 200)} ${stderr.slice(0, 500)}`) }
    }
  }
}

function append (buf: string, chunk: string): string {
  const s = buf + chunk
  return s.length > MAX_CAPTURE_CHARS ? s.slice(s.length - MAX_CAPTURE_CHARS) : s
}

export interface CliInit {
  env?: NodeJS.ProcessEnv
  /** Kill the command after this long. @default 60_000 */
  timeoutMs?: number
}

/** Anything with an `after` hook: a node:test TestContext, or `{ after }` from node:test for a whole suite. */
export interface AfterHook { after: (fn: () => Promise<void>) => void }

/**
 * Runs `mycel ARGV` inside this process. The tests' harness passes one built
 * on the CLI's `main`; the mesh itself sits below the CLI (the demo ships it
 * and the CLI runs the demo), so it does not import it.
 */
export type InProcessCli = (argv: string[], env: NodeJS.ProcessEnv) => Promise<{ code: number, stdout: string, stderr: string }>

export class Harness {
  private readonly inProcessCli: InProcessCli | undefined
  private readonly dirs: string[] = []
  private readonly nodes: MycelProcess[] = []
  private readonly inProcess: MycelNode[] = []
  private readonly commands = new Set<ChildProcess>()

  constructor (inProcessCli?: InProcessCli) {
    this.inProcessCli = inProcessCli
  }

  /** A fresh temporary folder, removed at cleanup. */
  async tempDir (prefix = 'mycel-test-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix))
    this.dirs.push(dir)
    return dir
  }

  /** A path for a new node home (not created yet; `init` and `join` create it). */
  async newHome (name = 'node'): Promise<string> {
    return join(await this.tempDir(`mycel-${name}-`), 'home')
  }

  /** Runs `mycel --home HOME ARGS...` as a separate process. */
  async cli (home: string, args: string[], init: CliInit = {}): Promise<CliResult> {
    const child = spawn(process.execPath, [CLI_BIN, '--home', home, ...args], { cwd: REPO_ROOT, env: childEnv(init.env), stdio: ['ignore', 'pipe', 'pipe'] })
    track(child)
    this.commands.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout = append(stdout, d) })
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr = append(stderr, d) })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, init.timeoutMs ?? 60_000)
    try {
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', reject)
        child.once('close', (c, sig) => { resolve(c ?? (sig != null ? 128 : 1)) })
      })
      return result(code, stdout, stderr)
    } finally {
      clearTimeout(timer)
      this.commands.delete(child)
    }
  }

  /** Runs the CLI in this process (no start-up cost; tests' harness only, see `InProcessCli`); same exit codes and output as `cli`. */
  async cliInProcess (home: string, args: string[], init: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
    if (this.inProcessCli == null) throw new Error('This harness runs the CLI as processes only')
    const r = await this.inProcessCli(['--home', home, ...args], childEnv(init.env))
    return result(r.code, r.stdout, r.stderr)
  }

  /** `init --name NAME` in a fresh home; returns the home. */
  async init (name: string, opts: { inProcess?: boolean } = {}): Promise<string> {
    const home = await this.newHome(name)
    await this.ok(home, ['init', '--name', name], opts)
    return home
  }

  /** A new organisation founded by a new node: `init` then `org create`; returns the founder's home. */
  async found (orgName = 'acme', nodeName = 'founder', opts: { inProcess?: boolean } = {}): Promise<string> {
    const home = await this.init(nodeName, opts)
    await this.ok(home, ['org', 'create', orgName], opts)
    return home
  }

  /** Creates an invite through the running admin node; returns its text. */
  async invite (admin: MycelProcess | string, opts: { uses?: number, ttl?: string, inProcess?: boolean } = {}): Promise<string> {
    const home = typeof admin === 'string' ? admin : admin.home
    const args = ['invite', 'create', '--json', ...(opts.uses != null ? ['--uses', String(opts.uses)] : []), ...(opts.ttl != null ? ['--ttl', opts.ttl] : [])]
    const res = await this.ok(home, args, opts)
    return res.json<{ invite: string }>().invite
  }

  /** `join INVITE --name NAME` into a fresh home; returns the home. */
  async join (invite: string, name: string, opts: { inProcess?: boolean } = {}): Promise<string> {
    const home = await this.newHome(name)
    await this.ok(home, ['join', invite, '--name', name], opts)
    return home
  }

  /** Runs a command and throws (with its output) unless it exits 0. */
  async ok (home: string, args: string[], opts: { inProcess?: boolean, env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
    const res = opts.inProcess === true ? await this.cliInProcess(home, args, opts) : await this.cli(home, args, opts)
    if (res.code !== 0) throw new Error(`mycel ${args.join(' ')} exited ${res.code}: ${res.stderr.trim()}`)
    return res
  }

  /** Starts `mycel start` for a home on loopback and resolves once its API answers. */
  async start (home: string, opts: StartInit = {}): Promise<MycelProcess> {
    const node = this.launch(home, opts)
    await node.ready(opts.readyTimeoutMs ?? 60_000)
    return node
  }

  /** Spawns `mycel start` without waiting (call `ready()`); it is stopped at cleanup all the same. */
  launch (home: string, opts: StartInit = {}): MycelProcess {
    const args = [
      'start',
      '--listen', opts.listen ?? LOOPBACK_LISTEN,
      '--api', opts.api ?? LOOPBACK_API,
      ...(opts.bootstrap ?? []).flatMap(b => ['--bootstrap', b]),
      ...(opts.args ?? [])
    ]
    const node = new MycelProcess(home, args, opts.env)
    this.nodes.push(node)
    return node
  }

  /**
   * Starts a node for a home inside this process, on loopback (for tests that
   * need its internals: the gate, the card service, the libp2p host).
   */
  async node (home: string, init: Omit<MycelNodeInit, 'home'> = {}): Promise<MycelNode> {
    const { createMycelNode } = await import('../../node/assembly/index.ts')
    const node = await createMycelNode({ listen: [LOOPBACK_LISTEN], api: LOOPBACK_API, env: childEnv(), ...init, home })
    this.inProcess.push(node)
    return node
  }

  /** Stops every node (SIGTERM, then SIGKILL), kills leftover commands and removes every folder. Safe to call twice. */
  async cleanup (): Promise<void> {
    const own = this.inProcess.splice(0)
    await Promise.all(own.map(async n => { await n.stop().catch(() => {}) }))
    const nodes = this.nodes.splice(0)
    await Promise.all(nodes.map(async n => { await n.stop().catch(() => { n.kill() }) }))
    for (const c of this.commands) c.kill('SIGKILL')
    this.commands.clear()
    const dirs = this.dirs.splice(0)
    await Promise.all(dirs.map(async d => { await rm(d, { recursive: true, force: true, maxRetries: 3 }).catch(() => {}) }))
  }
}

export interface StartInit {
  listen?: string
  api?: string
  bootstrap?: string[]
  /** Extra `start` arguments. */
  args?: string[]
  /** Extra environment, e.g. `{ DEBUG: 'mycel:*' }`. */
  env?: NodeJS.ProcessEnv
  /** @default 60_000 */
  readyTimeoutMs?: number
}

export interface ApiInfo { url: string, token: string, pid: number }

export interface ApiResponse<T = any> { status: number, body: T }

/** One `mycel start` process and a client of its control API. */
export class MycelProcess {
  readonly home: string
  private readonly args: string[]
  private readonly env: NodeJS.ProcessEnv | undefined
  child!: ChildProcess
  api!: ApiInfo
  peerId = ''
  /** Everything the process wrote so far (each capped to its last 4 MiB). */
  stdout = ''
  stderr = ''
  exitCode: number | null = null
  private exited!: Promise<number | null>

  constructor (home: string, args: string[], env?: NodeJS.ProcessEnv) {
    this.home = home
    this.args = args
    this.env = env
    this.spawn()
  }

  private spawn (): void {
    const child = this.child = spawn(process.execPath, [CLI_BIN, '--home', this.home, ...this.args], { cwd: REPO_ROOT, env: childEnv(this.env), stdio: ['ignore', 'pipe', 'pipe'] })
    track(child)
    this.exitCode = null
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { this.stdout = append(this.stdout, d) })
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { this.stderr = append(this.stderr, d) })
    this.exited = new Promise(resolve => {
      child.once('exit', (code, sig) => { this.exitCode = code ?? (sig != null ? 128 : 1); resolve(this.exitCode) })
    })
  }

  get running (): boolean { return this.exitCode == null && this.child.exitCode == null && this.child.signalCode == null }

  /** Waits for `api.json` written by this process (matching pid) and a first answer from `/api/status`. */
  async ready (timeoutMs = 60_000, intervalMs = 100): Promise<void> {
    const pid = this.child.pid
    this.api = await waitFor(async () => {
      if (!this.running) throw new ExitedError(this)
      const info = JSON.parse(await readFile(join(this.home, 'api.json'), 'utf8')) as ApiInfo
      return info.pid === pid ? info : undefined
    }, { timeoutMs, intervalMs, what: `node in ${this.home} to write api.json` }).catch(err => {
      if (!this.running) throw new ExitedError(this)
      throw err
    })
    this.peerId = (await this.status()).peerId
  }

  /** Starts the same home again with the same flags (a restart). */
  async restart (timeoutMs = 60_000): Promise<void> {
    await this.stop()
    this.spawn()
    await this.ready(timeoutMs)
  }

  /** A control API request; `token: null` sends none, a string sends that one. */
  async request<T = any> (method: string, path: string, opts: { body?: unknown, token?: string | null } = {}): Promise<ApiResponse<T>> {
    const token = opts.token === undefined ? this.api.token : opts.token
    const res = await fetch(this.api.url + path, {
      method,
      headers: { ...(token != null ? { authorization: `Bearer ${token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      signal: AbortSignal.timeout(30_000)
    })
    const text = await res.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch {}
    return { status: res.status, body: body as T }
  }

  /** GET with the node's token; throws unless 2xx. */
  async get<T = any> (path: string): Promise<T> {
    const res = await this.request<T>('GET', path)
    if (res.status < 200 || res.status >= 300) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`)
    return res.body
  }

  async post<T = any> (path: string, body: unknown = {}): Promise<T> {
    const res = await this.request<T>('POST', path, { body })
    if (res.status < 200 || res.status >= 300) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(res.body)}`)
    return res.body
  }

  async status (): Promise<StatusSummary> { return await this.get<StatusSummary>('/api/status') }
  async peers (): Promise<PeerSummary[]> { return await this.get<PeerSummary[]>('/api/peers') }
  async caps (): Promise<Array<{ peerId: string, name: string, seq: number, self: boolean, [k: string]: unknown }>> { return await this.get('/api/caps') }

  /** Peer ids of connected members. */
  async peerIds (): Promise<string[]> { return (await this.peers()).map(p => p.peerId).sort() }
  /** Peer ids this node holds verified cards of, its own included. */
  async capIds (): Promise<string[]> { return (await this.caps()).map(c => c.peerId).sort() }

  /** The first full multiaddr (with /p2p/) the node listens on. */
  async addr (): Promise<string> {
    const s = await this.status()
    const a = s.addresses[0]
    if (a == null) throw new Error(`node ${this.peerId} has no address`)
    return a
  }

  /** SIGTERM and wait (clean stop), SIGKILL after `graceMs`. Resolves with the exit code. */
  async stop (graceMs = 20_000): Promise<number | null> {
    if (!this.running) return this.exitCode
    this.child.kill('SIGTERM')
    // the grace timer is cancelled once the process exits, so it never holds the test process open
    const grace = new AbortController()
    const code = await Promise.race([this.exited, sleep(graceMs, undefined, { signal: grace.signal }).then(() => undefined, () => undefined)])
    grace.abort()
    if (code !== undefined) return code
    this.kill()
    return await this.exited
  }

  kill (): void {
    if (this.running) this.child.kill('SIGKILL')
  }
}

export class ExitedError extends Error {
  static override name = 'ExitedError'
  constructor (node: MycelProcess) {
    super(`node in ${node.home} exited (${String(node.exitCode ?? node.child.exitCode)}) before it was ready: ${node.stderr.slice(-2000)}`)
    this.name = ExitedError.name
  }
}

/** Sorted copy, for comparing sets of peer ids. */
export function sorted (ids: Iterable<string>): string[] {
  return [...ids].sort()
}
