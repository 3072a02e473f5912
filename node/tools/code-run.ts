/**
 * The built-in `code.run` tool: JavaScript in QuickJS compiled to
 * WebAssembly, the "interpreters and calculators" of the seeds. `node:vm` is
 * not a security boundary; a wasm instance with no imports but memory is.
 * Each call gets a fresh QuickJS runtime and context with no I/O, a memory
 * cap, a CPU-time cap, a stack cap and an output cap (quickjs-sandbox.ts).
 *
 * Scripts run on a worker thread, one at a time, so a script that spins for
 * its whole CPU budget holds that thread and not the node's event loop. If
 * it outlives the budget plus a grace period, or the caller cancels, the
 * thread is terminated and a fresh one is started for the next call.
 * Failures are typed errors (`CodeTimeoutError`, `CodeMemoryError`, …) with
 * one line each.
 */
import { Worker } from 'node:worker_threads'
import { createLogger, type Logger } from '../logger.ts'
import * as c from './constants.ts'
import { CodeTimeoutError, InvalidToolArgumentsError, ToolCanceledError, ToolProviderError, ToolProviderUnavailableError, UnknownToolError } from './errors.ts'
import { errorFromWire, type WorkerMessage } from './code-run-wire.ts'
import type { SandboxLimits, SandboxResult } from './quickjs-sandbox.ts'
import type { DataClass, ProviderCallOptions, ToolProvider, ToolResult, ToolSpec } from './types.ts'

export interface CodeRunInit {
  /** Provider name; the tool is `NAME.run`. @default 'code' */
  name?: string
  /** @default TOOL_DEFAULT_DATA_CLASS */
  dataClass?: DataClass
  /** CPU time of a call that names none. @default CODE_RUN_TIMEOUT_MS */
  timeoutMs?: number
  /** @default CODE_RUN_TIMEOUT_MAX_MS */
  maxTimeoutMs?: number
  /** @default CODE_RUN_MEMORY_LIMIT_BYTES */
  memoryLimitBytes?: number
  /** @default CODE_RUN_STACK_MAX_BYTES */
  stackMaxBytes?: number
  /** @default CODE_RUN_OUTPUT_MAX_BYTES */
  outputMaxBytes?: number
  /** @default CODE_RUN_LOG_LINES_MAX */
  logLinesMax?: number
  /** @default CODE_RUN_CODE_MAX_CHARS */
  codeMaxChars?: number
  /** @default CODE_RUN_WATCHDOG_GRACE_MS */
  watchdogGraceMs?: number
}

export interface CodeRunComponents {
  logger?: Logger
}

export interface CodeRunOptions {
  /** CPU time for this script, capped at `maxTimeoutMs`. */
  timeoutMs?: number
  /** Cancels the script (its worker thread is terminated). */
  signal?: AbortSignal
}

interface SandboxThread {
  worker: Worker
  ready: Promise<void>
  /** The one run in flight: settles on the worker's answer, or when the thread dies. */
  pending?: { id: number, resolve: (result: SandboxResult) => void, reject: (err: Error) => void }
}

// the built package runs code-run-worker.js beside this file, the checkout the .ts
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './code-run-worker.ts' : './code-run-worker.js', import.meta.url)

export function codeRun (init: CodeRunInit = {}): (components: CodeRunComponents) => CodeRun {
  return (components) => new CodeRun(components, init)
}

export class CodeRun implements ToolProvider {
  readonly name: string
  readonly dataClass: DataClass
  readonly ownSchemas = true
  private readonly log: Logger
  private readonly limits: SandboxLimits
  private readonly maxTimeoutMs: number
  private readonly codeMaxChars: number
  private readonly graceMs: number
  private thread?: SandboxThread
  private queue: Promise<unknown> = Promise.resolve()
  private nextId = 0
  private started = false
  private warmTimer?: ReturnType<typeof setTimeout>

  constructor (components: CodeRunComponents, init: CodeRunInit = {}) {
    this.name = init.name ?? 'code'
    this.dataClass = init.dataClass ?? c.TOOL_DEFAULT_DATA_CLASS
    this.log = components.logger ?? createLogger('mycel:node:tools:code')
    this.maxTimeoutMs = init.maxTimeoutMs ?? c.CODE_RUN_TIMEOUT_MAX_MS
    this.codeMaxChars = init.codeMaxChars ?? c.CODE_RUN_CODE_MAX_CHARS
    this.graceMs = init.watchdogGraceMs ?? c.CODE_RUN_WATCHDOG_GRACE_MS
    this.limits = {
      timeoutMs: Math.min(init.timeoutMs ?? c.CODE_RUN_TIMEOUT_MS, this.maxTimeoutMs),
      memoryLimitBytes: init.memoryLimitBytes ?? c.CODE_RUN_MEMORY_LIMIT_BYTES,
      stackMaxBytes: init.stackMaxBytes ?? c.CODE_RUN_STACK_MAX_BYTES,
      outputMaxBytes: init.outputMaxBytes ?? c.CODE_RUN_OUTPUT_MAX_BYTES,
      logLinesMax: init.logLinesMax ?? c.CODE_RUN_LOG_LINES_MAX
    }
  }

  /**
   * Starts the worker and loads the wasm instance a moment after the node is
   * up (about 100 ms of a start otherwise), so the first call seldom waits
   * for it; a call before then starts it itself.
   */
  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    this.warmTimer = setTimeout(() => { if (this.started && this.thread == null) this.spawn() }, c.CODE_RUN_WARM_DELAY_MS)
    this.warmTimer.unref()
  }

  /** Terminates the worker; a run in flight fails with `ToolProviderUnavailableError`. */
  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.warmTimer)
    await this.kill(new ToolProviderUnavailableError(this.name, 'stopped'))
  }

  async listTools (): Promise<ToolSpec[]> {
    return [{
      name: 'run',
      description: 'Runs JavaScript (ES2023) in a sandbox with no I/O, modules or timers, and returns the value of the last expression and what console.log printed. ' +
        `Limits: ${this.limits.timeoutMs} ms CPU by default (at most ${this.maxTimeoutMs}), ${Math.round(this.limits.memoryLimitBytes / 1024 / 1024)} MiB memory, ${this.limits.outputMaxBytes} bytes of output.`,
      inputSchema: {
        type: 'object',
        properties: {
          code: { type: 'string', minLength: 1, maxLength: this.codeMaxChars, description: 'JavaScript source; the completion value of the last statement is returned' },
          timeoutMs: { type: 'integer', minimum: 1, maximum: this.maxTimeoutMs, description: 'CPU-time limit in milliseconds' }
        },
        required: ['code'],
        additionalProperties: false
      },
      outputSchema: {
        type: 'object',
        properties: {
          value: { description: 'The completion value as JSON (undefined, functions and BigInt as their String() text)' },
          logs: { type: 'array', items: { type: 'string' } }
        },
        required: ['value', 'logs']
      }
    }]
  }

  async callTool (tool: string, args: Record<string, unknown>, options: ProviderCallOptions): Promise<ToolResult> {
    if (tool !== 'run') throw new UnknownToolError(`${this.name}.${tool}`)
    const timeoutMs = Math.min(typeof args.timeoutMs === 'number' ? args.timeoutMs : this.limits.timeoutMs, options.timeoutMs)
    const result = await this.run(String(args.code), { timeoutMs, signal: options.signal })
    const structuredContent = { value: result.value, logs: result.logs }
    // MCP: a tool with structured output also returns it serialized as text, for clients that read only text.
    return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], isError: false, structuredContent }
  }

  /** Runs one script (the tool without the registry around it); scripts queue, one at a time. */
  async run (code: string, options: CodeRunOptions = {}): Promise<SandboxResult> {
    if (code.length > this.codeMaxChars) throw new InvalidToolArgumentsError(`${this.name}.run`, 'code', `is longer than ${this.codeMaxChars} characters`)
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs ?? this.limits.timeoutMs, this.maxTimeoutMs))
    const turn = this.queue.then(async () => await this.exec(code, timeoutMs, options.signal))
    this.queue = turn.catch(() => {})
    return await turn
  }

  private async exec (code: string, timeoutMs: number, signal?: AbortSignal): Promise<SandboxResult> {
    if (!this.started) throw new ToolProviderUnavailableError(this.name, 'stopped')
    if (signal?.aborted === true) throw new ToolCanceledError(`${this.name}.run`)
    const thread = this.thread ?? this.spawn()
    await thread.ready
    const id = ++this.nextId
    const answer = new Promise<SandboxResult>((resolve, reject) => { thread.pending = { id, resolve, reject } })
    // The interrupt handler stops a script at its CPU cap; the watchdog is for a thread that stopped listening.
    const watchdog = setTimeout(() => { void this.kill(new CodeTimeoutError(timeoutMs)) }, timeoutMs + this.graceMs)
    const onAbort = (): void => { void this.kill(new ToolCanceledError(`${this.name}.run`)) }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      thread.worker.postMessage({ id, code, limits: { ...this.limits, timeoutMs } })
      return await answer
    } finally {
      clearTimeout(watchdog)
      signal?.removeEventListener('abort', onAbort)
    }
  }

  private spawn (): SandboxThread {
    const worker = new Worker(WORKER_URL, {
      workerData: { memoryLimitBytes: this.limits.memoryLimitBytes, baseBytes: c.CODE_RUN_WASM_BASE_BYTES },
      resourceLimits: { maxOldGenerationSizeMb: c.CODE_RUN_WORKER_HEAP_MB }
    })
    const thread: SandboxThread = { worker, ready: Promise.resolve() }
    thread.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') { resolve(); return }
        const pending = thread.pending
        if (pending === undefined || pending.id !== message.id) return
        thread.pending = undefined
        if (message.type === 'result') pending.resolve(message.result)
        else pending.reject(errorFromWire(this.name, message.error))
      })
      const died = (err: Error): void => {
        if (this.thread === thread) this.thread = undefined
        reject(err)
        thread.pending?.reject(err)
        thread.pending = undefined
      }
      worker.on('error', err => {
        this.log.error('code.run: the sandbox thread failed: %s', err.message)
        died(new ToolProviderError(this.name, 'the sandbox thread failed'))
      })
      worker.on('exit', () => { died(new ToolProviderError(this.name, 'the sandbox thread exited')) })
    })
    thread.ready.catch(() => {})
    this.thread = thread
    return thread
  }

  /** Terminates the current thread; its run in flight fails with `reason`, the next call starts a fresh one. */
  private async kill (reason: Error): Promise<void> {
    const thread = this.thread
    if (thread === undefined) return
    this.thread = undefined
    thread.pending?.reject(reason)
    thread.pending = undefined
    await thread.worker.terminate()
  }
}
