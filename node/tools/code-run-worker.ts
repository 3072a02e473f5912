/**
 * The worker thread behind `code.run`: owns one QuickJS instance and runs
 * one script at a time on it, so a script holds this thread, never the
 * node's event loop. The parent terminates the thread when a script
 * outlives its CPU cap plus a grace period, or when the caller cancels.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { CodeMemoryError } from './errors.ts'
import { errorToWire, type RunRequest, type WorkerMessage } from './code-run-wire.ts'
import { QuickJsSandbox } from './quickjs-sandbox.ts'

interface WorkerInit { memoryLimitBytes: number, baseBytes: number }

const port = parentPort
if (port === null) throw new Error('code-run-worker.ts runs only as a worker thread')
const { memoryLimitBytes, baseBytes } = workerData as WorkerInit
let sandbox: QuickJsSandbox | undefined = await QuickJsSandbox.create(memoryLimitBytes, baseBytes)

const post = (message: WorkerMessage): void => { port.postMessage(message) }

port.on('message', (request: RunRequest) => {
  void (async () => {
    sandbox ??= await QuickJsSandbox.create(memoryLimitBytes, baseBytes)
    try {
      post({ type: 'result', id: request.id, result: sandbox.run(request.code, request.limits) })
    } catch (err) {
      // WebAssembly memory never shrinks: after a memory bomb, or if the instance itself failed, start a fresh one.
      if (err instanceof CodeMemoryError || sandbox.broken) sandbox = undefined
      post({ type: 'error', id: request.id, error: errorToWire(err) })
    }
  })()
})

post({ type: 'ready' })
