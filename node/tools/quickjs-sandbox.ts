/**
 * One QuickJS WebAssembly instance that runs scripts, one at a time, each in
 * a fresh runtime and context. QuickJS has no I/O of its own (no `require`,
 * `process`, `fetch`, timers, modules); we add only a bounded `console`.
 *
 * The memory cap is the instance's WebAssembly memory, created here with a
 * fixed maximum: QuickJS's own `setMemoryLimit` only bounds one allocation
 * in the prebuilt wasm, not the total (quickjs-emscripten issues #255, #271),
 * so a loop of `push("x".repeat(1e5))` would otherwise grow the host by
 * gigabytes. With the maximum fixed, allocation fails inside the wasm and
 * QuickJS raises its own clean "out of memory". Runs are synchronous: the
 * CPU cap (an interrupt handler with a deadline) bounds how long the thread
 * is held.
 */
import { newQuickJSWASMModule, newVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSHandle, type QuickJSWASMModule } from 'quickjs-emscripten'
import {
  CodeHostAccessError, CodeMemoryError, CodeOutputTooLargeError, CodeStackOverflowError, CodeSyntaxError, CodeThrewError,
  CodeTimeoutError, CodeUnsettledPromiseError, ToolError
} from './errors.ts'

export interface SandboxLimits {
  timeoutMs: number
  memoryLimitBytes: number
  stackMaxBytes: number
  outputMaxBytes: number
  logLinesMax: number
}

export interface SandboxResult {
  /** The completion value as JSON; what JSON cannot hold (undefined, functions, BigInt) as its `String()` text. */
  value: unknown
  logs: string[]
}

const WASM_PAGE_BYTES = 64 * 1024
/** Names a script reaches for when it wants the host; a ReferenceError on one reads as host access. */
const HOST_GLOBALS = new Set([
  'require', 'process', 'fetch', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'XMLHttpRequest',
  'WebSocket', 'Deno', 'Bun', 'module', 'exports', '__dirname', '__filename', 'Buffer', 'std', 'os', 'navigator', 'importScripts'
])

/**
 * Installs `console` over one host function that receives a single string
 * per call; the host function itself is never reachable from the script.
 */
const CONSOLE_PRELUDE = `(function (send) {
  const fmt = v => {
    if (typeof v === 'string') return v
    try { const s = JSON.stringify(v); if (s !== undefined) return s } catch {}
    try { return String(v) } catch { return '[unprintable]' }
  }
  const line = (...args) => { send(args.map(fmt).join(' ')) }
  globalThis.console = Object.freeze({ log: line, info: line, warn: line, error: line, debug: line })
})`

/** Turns the completion value into `[isJson, text]` inside the VM, so only one string crosses. */
const SERIALIZE = `(function (v) {
  try { const s = JSON.stringify(v); if (s !== undefined) return [true, s] } catch {}
  try { return [false, String(v)] } catch { return [false, '[unprintable]'] }
})`

export class QuickJsSandbox {
  /** Set when the wasm instance itself failed; the owner must replace the sandbox. */
  broken = false
  private readonly module: QuickJSWASMModule
  private readonly memory: WebAssembly.Memory
  private readonly maximumBytes: number

  private constructor (module: QuickJSWASMModule, memory: WebAssembly.Memory, maximumBytes: number) {
    this.module = module
    this.memory = memory
    this.maximumBytes = maximumBytes
  }

  /** Loads a fresh instance whose memory can never grow past `memoryLimitBytes + baseBytes`. */
  static async create (memoryLimitBytes: number, baseBytes: number): Promise<QuickJsSandbox> {
    const maximum = Math.ceil((memoryLimitBytes + baseBytes) / WASM_PAGE_BYTES)
    const memory = new WebAssembly.Memory({ initial: Math.min(maximum, Math.ceil(baseBytes / WASM_PAGE_BYTES)), maximum })
    const module = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmMemory: memory }))
    return new QuickJsSandbox(module, memory, maximum * WASM_PAGE_BYTES)
  }

  /** Runs one script; every failure is a typed error, and the sandbox stays usable unless `broken` is set. */
  run (code: string, limits: SandboxLimits): SandboxResult {
    const runtime = this.module.newRuntime()
    const deadline = Date.now() + limits.timeoutMs
    const output = { bytes: 0, overflow: false, logs: [] as string[] }
    runtime.setMemoryLimit(limits.memoryLimitBytes)
    runtime.setMaxStackSize(limits.stackMaxBytes)
    runtime.setInterruptHandler(() => output.overflow || Date.now() > deadline)
    const ctx = runtime.newContext()
    const handles: QuickJSHandle[] = []
    const keep = (h: QuickJSHandle): QuickJSHandle => { handles.push(h); return h }
    try {
      this.installConsole(ctx, keep, output, limits)
      const compiled = ctx.evalCode(code, 'code.js', { compileOnly: true })
      if (compiled.error !== undefined) {
        keep(compiled.error)
        const { message, line } = this.describe(ctx, compiled.error)
        throw new CodeSyntaxError(oneLine(`line ${line}: ${message}`))
      }
      keep(compiled.value)
      const evaluated = ctx.evalCode(code, 'code.js')
      if (evaluated.error !== undefined) throw this.failure(ctx, keep(evaluated.error), output, limits)
      let value = keep(evaluated.value)
      const jobs = runtime.executePendingJobs()
      if (jobs.error !== undefined) throw this.failure(ctx, keep(jobs.error), output, limits)
      jobs.dispose()
      const state = ctx.getPromiseState(value)
      if (state.type === 'pending') throw new CodeUnsettledPromiseError()
      if (state.type === 'rejected') throw this.failure(ctx, keep(state.error), output, limits)
      if (state.notAPromise !== true) value = keep(state.value)
      return { value: this.serialize(ctx, value, keep, output, limits), logs: output.logs }
    } catch (err) {
      if (err instanceof ToolError) throw err
      // Not the script's error: the wasm instance itself failed. Do not reuse it.
      this.broken = true
      throw err
    } finally {
      for (const h of handles.reverse()) if (h.alive) h.dispose()
      try {
        ctx.dispose()
        runtime.dispose()
      } catch {
        this.broken = true
      }
    }
  }

  private installConsole (ctx: QuickJSContext, keep: (h: QuickJSHandle) => QuickJSHandle, output: { bytes: number, overflow: boolean, logs: string[] }, limits: SandboxLimits): void {
    const send = keep(ctx.newFunction('send', (line) => {
      if (output.overflow) return
      // The string's length before copying it out of the VM.
      const length = ctx.getProp(line, 'length').consume(h => ctx.getNumber(h))
      if (output.logs.length >= limits.logLinesMax || output.bytes + length > limits.outputMaxBytes) {
        output.overflow = true // the interrupt handler stops the script at its next check
        return
      }
      const text = ctx.getString(line)
      output.bytes += Buffer.byteLength(text) + 1
      output.logs.push(text)
    }))
    const prelude = ctx.evalCode(CONSOLE_PRELUDE, 'prelude.js')
    const install = keep(ctx.unwrapResult(prelude))
    keep(ctx.unwrapResult(ctx.callFunction(install, ctx.undefined, send)))
  }

  private serialize (ctx: QuickJSContext, value: QuickJSHandle, keep: (h: QuickJSHandle) => QuickJSHandle, output: { bytes: number, overflow: boolean }, limits: SandboxLimits): unknown {
    const serialize = keep(ctx.unwrapResult(ctx.evalCode(SERIALIZE, 'serialize.js')))
    const pair = ctx.callFunction(serialize, ctx.undefined, value)
    if (pair.error !== undefined) throw this.failure(ctx, keep(pair.error), output, limits)
    const result = keep(pair.value)
    const isJson = ctx.dump(keep(ctx.getProp(result, 0))) === true
    const textHandle = keep(ctx.getProp(result, 1))
    const length = ctx.getNumber(keep(ctx.getProp(textHandle, 'length')))
    if (output.bytes + length > limits.outputMaxBytes) throw new CodeOutputTooLargeError(limits.outputMaxBytes)
    const text = ctx.getString(textHandle)
    return isJson ? JSON.parse(text) : text
  }

  /**
   * Maps what the script threw (or what stopped it) onto one typed error.
   * QuickJS reports its limits only as fixed engine messages ("interrupted",
   * "out of memory", "stack overflow"), so those strings are the contract;
   * a script that throws the very same error itself is merely told the same.
   */
  private failure (ctx: QuickJSContext, error: QuickJSHandle, output: { overflow: boolean }, limits: SandboxLimits): ToolError {
    const { name, message, text } = this.describe(ctx, error)
    if (output.overflow) return new CodeOutputTooLargeError(limits.outputMaxBytes)
    if (name === 'InternalError' && message === 'interrupted') return new CodeTimeoutError(limits.timeoutMs)
    if (name === 'InternalError' && (message === 'out of memory' || message === 'string too long')) return new CodeMemoryError(limits.memoryLimitBytes)
    // In QuickJS an allocation failure while already out of memory throws `null`.
    if (text === 'null' && this.memoryExhausted()) return new CodeMemoryError(limits.memoryLimitBytes)
    if ((name === 'InternalError' && message === 'stack overflow') || (name === 'RangeError' && /call stack/i.test(message))) return new CodeStackOverflowError()
    const missing = name === 'ReferenceError' ? /^'?([A-Za-z_$][\w$]*)'? is not defined$/.exec(message)?.[1] : undefined
    if (missing !== undefined && HOST_GLOBALS.has(missing)) return new CodeHostAccessError(missing)
    // `import()` with no module loader installed: QuickJS's fixed message for it.
    if (name === 'ReferenceError' && message.startsWith('could not load module')) return new CodeHostAccessError('import')
    return new CodeThrewError(text)
  }

  private describe (ctx: QuickJSContext, error: QuickJSHandle): { name: string, message: string, text: string, line: number } {
    let dumped: unknown
    try {
      dumped = ctx.dump(error)
    } catch {
      dumped = '[unprintable]'
    }
    if (typeof dumped === 'object' && dumped !== null && 'message' in dumped) {
      const name = String((dumped as { name?: unknown }).name ?? 'Error')
      const message = String((dumped as { message?: unknown }).message).split('\n')[0] ?? ''
      const line = Number((dumped as { lineNumber?: unknown }).lineNumber ?? 0)
      return { name, message, text: oneLine(`${name}: ${message}`), line }
    }
    return { name: '', message: '', text: oneLine(typeof dumped === 'string' ? JSON.stringify(dumped) : String(dumped)), line: 0 }
  }

  /** The wasm memory has grown to (nearly) its fixed maximum: allocations are failing. */
  private memoryExhausted (): boolean {
    return this.memory.buffer.byteLength >= this.maximumBytes - WASM_PAGE_BYTES * 16
  }
}

function oneLine (text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}
