import { mkdtemp, rm } from 'node:fs/promises'
import { after, before } from 'node:test'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeTestModel, type MakeTestModelOptions } from '../../scripts/make-test-model.ts'
import { ModelRegistry } from '../../node/runtime/registry.ts'
import { runtime, type Runtime, type RuntimeInit } from '../../node/runtime/index.ts'
import type { Output } from '../../node/cli/output.ts'

export interface TestHome {
  dir: string
  modelsDir: string
  registry: ModelRegistry
  /** Writes a generated model into the home's folder and registers it. */
  addModel: (name: string, opts?: Omit<MakeTestModelOptions, 'out'>) => Promise<string>
  cleanup: () => Promise<void>
}

export async function testHome (): Promise<TestHome> {
  const dir = await mkdtemp(join(tmpdir(), 'mycel-runtime-'))
  const modelsDir = join(dir, 'models')
  const registry = new ModelRegistry({ dir: modelsDir })
  return {
    dir,
    modelsDir,
    registry,
    addModel: async (name, opts = {}) => {
      const path = join(dir, `${name}.gguf`)
      await makeTestModel({ out: path, ...opts })
      await registry.add(path, { name })
      return path
    },
    cleanup: async () => { await rm(dir, { recursive: true, force: true }) }
  }
}

export interface RuntimeFixture {
  /** The started runtime; stopped after the block's tests. */
  readonly rt: Runtime
  /** Its home, with the models registered; removed after the block's tests. */
  readonly home: TestHome
}

/**
 * A runtime on generated models for the `describe` block it is called in:
 * the models are made and the runtime started before the block's tests, the
 * runtime stopped and the home removed after them. `models` maps a name to
 * how its model is generated.
 */
export function runtimeFixture (models: Record<string, Omit<MakeTestModelOptions, 'out'>>, init: RuntimeInit = {}): RuntimeFixture {
  let home: TestHome | undefined
  let rt: Runtime | undefined
  before(async () => {
    home = await testHome()
    for (const [name, opts] of Object.entries(models)) await home.addModel(name, opts)
    rt = runtime({ keepAliveMs: 60_000, ...init })({ registry: home.registry })
    await rt.start()
  }, { timeout: 30_000 })
  after(async () => {
    await rt?.stop()
    await home?.cleanup()
  }, { timeout: 30_000 })
  return {
    get rt () { if (rt == null) throw new Error('the runtime fixture is used before its before hook ran'); return rt },
    get home () { if (home == null) throw new Error('the runtime fixture is used before its before hook ran'); return home }
  }
}

export interface RegistryGate {
  /** The real registry, with `resolve` held at the gate while it is closed. */
  registry: ModelRegistry
  /** Callers waiting at the gate. */
  waiting: () => number
  close: () => void
  /** Lets every waiting caller through in one microtask turn. */
  open: () => void
}

/**
 * A real registry whose `resolve` (the first step of every task) holds its
 * callers while the gate is closed. Tasks started apart then reach the
 * scheduler and the context in the same tick, so node-llama-cpp puts them in
 * the same batches every run, whatever the timing of their file reads.
 */
export function gatedRegistry (real: ModelRegistry): RegistryGate {
  let gate: PromiseWithResolvers<void> | undefined
  let waiting = 0
  const registry = Object.create(real) as ModelRegistry
  registry.resolve = async (name: string) => {
    const entry = await real.resolve(name)
    if (gate != null) {
      waiting++
      try { await gate.promise } finally { waiting-- }
    }
    return entry
  }
  return {
    registry,
    waiting: () => waiting,
    close: () => { gate ??= Promise.withResolvers<void>() },
    open: () => { gate?.resolve(); gate = undefined }
  }
}

export interface CapturedOutput extends Output {
  stdout: string[]
  stderr: string[]
  jsonValues: unknown[]
  progressCalls: Array<[string, number, number]>
}

export function captureOutput (): CapturedOutput {
  const o: CapturedOutput = {
    stdout: [],
    stderr: [],
    jsonValues: [],
    progressCalls: [],
    line: (t = '') => { o.stdout.push(t) },
    write: t => { o.stdout.push(t) },
    json: v => { o.jsonValues.push(JSON.parse(JSON.stringify(v))) },
    error: t => { o.stderr.push(t) },
    progress: (label, done, total) => { o.progressCalls.push([label, done, total]) }
  }
  return o
}

/** Polls until `fn` is true (or fails after `ms`). */
export async function until (fn: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
