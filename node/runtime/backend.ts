/**
 * llama.cpp's side of the runtime: the engine module, the `Llama` backend,
 * the detected hardware and the model pool over them, opened once and
 * released without ever hanging the runtime's `stop()`.
 */
import { availableParallelism } from 'node:os'
import type { Llama } from 'node-llama-cpp'
import type { Logger } from '../logger.ts'
import { LLAMA_DISPOSE_TIMEOUT_MS, MODEL_KEEP_ALIVE_MS, STATE_CACHE_MAX_BYTES, STATE_CACHE_MAX_FILES } from './constants.ts'
import { detectHardware, type HardwareInfo } from './hardware.ts'
import { contextSizeFor } from './limits.ts'
import { loadEngine, type Engine } from './load-engine.ts'
import type { ModelPool } from './model-pool.ts'
import type { ModelRegistry } from './registry.ts'
import type { RuntimeInit } from './runtime-init.ts'
import { StateStore } from './state-store.ts'

export interface Backend {
  engine: Engine
  llama: Llama
  hw: HardwareInfo
  pool: ModelPool
}

/**
 * CPU threads per context when none are configured. On 2 cores, llama.cpp's
 * spinning thread pool contends with Node's own threads and 2 threads run
 * 10-50x slower than 1 (measured; see docs/decisions.md).
 */
export function defaultThreads (): number | undefined {
  return availableParallelism() <= 2 ? 1 : undefined
}

/** Loads llama.cpp's binding (or takes `init.llama`), finds the hardware and makes the model pool. */
export async function openBackend (init: RuntimeInit, registry: ModelRegistry, sequences: number, log: Logger): Promise<Backend> {
  const engine = await loadEngine()
  const { getLlama, LlamaLogLevel, ModelPool } = engine
  // build 'never': a node must never download or compile llama.cpp behind the user's back.
  const llama = init.llama ?? await getLlama({
    gpu: init.gpu ?? 'auto',
    build: 'never',
    usePrebuiltBinaries: true,
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.warn,
    logger: (level, message) => { log('llama.cpp %s: %s', level, message.trimEnd()) }
  })
  const hw = await detectHardware(llama)
  for (const w of hw.warnings) (init.onWarning ?? ((m: string) => { process.emitWarning(m, { code: 'MYCEL_GPU_UNUSED' }) }))(w)
  const threads = init.threads ?? defaultThreads()
  hw.cpuThreads = threads ?? llama.cpuMathCores
  const pool = new ModelPool({
    llama,
    registry,
    log,
    sequences,
    keepAliveMs: init.keepAliveMs ?? MODEL_KEEP_ALIVE_MS,
    contextSize: entry => contextSizeFor(init, entry),
    ...(threads != null ? { threads } : {}),
    ...(init.stateDir != null
      ? {
          states: new StateStore({
            dir: init.stateDir,
            maxBytes: init.stateCache?.maxBytes ?? STATE_CACHE_MAX_BYTES,
            maxFiles: init.stateCache?.maxFiles ?? STATE_CACHE_MAX_FILES,
            log
          })
        }
      : {})
  })
  log('llama.cpp loaded: %s (%d cores, %d threads per context)', hw.backend, hw.cpuCores, hw.cpuThreads)
  return { engine, llama, hw, pool }
}

/**
 * Releases llama.cpp's backend without ever hanging `stop()`. After a failed
 * native load the dispose may never resolve (see `ModelPool.failedNativeLoads`),
 * and a wait on it holds nothing on the event loop: the process would go
 * idle with the promise pending. So it is started (it still disposes what is
 * reachable) and awaited only when no load failed, and then for a bounded time.
 */
export async function disposeLlama (llama: Llama, failedNativeLoads: number, log: Logger): Promise<void> {
  const disposed = llama.dispose().catch((err: Error) => { log.error('llama.cpp backend dispose failed: %s', err.message) })
  if (failedNativeLoads > 0) {
    log('not waiting for the llama.cpp backend: %d model load(s) failed, node-llama-cpp keeps a hold on it', failedNativeLoads)
    return
  }
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(true) }, LLAMA_DISPOSE_TIMEOUT_MS) })
  try {
    if (await Promise.race([disposed.then(() => false), timedOut])) log.error('llama.cpp backend not released after %d ms; going on', LLAMA_DISPOSE_TIMEOUT_MS)
  } finally {
    clearTimeout(timer)
  }
}
