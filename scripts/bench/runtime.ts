/**
 * Local inference figures on the generated `bench` model, side by side in one
 * run: node-llama-cpp called directly vs through Mycel's runtime, 4 concurrent
 * tasks vs 1 at a time, and time to first token under 4 concurrent tasks.
 * The helpers are exported so the delegation bench can add its
 * "delegated to a peer" row with the same prompt, token count and method.
 *
 * Reproduce: `npm run bench -- runtime`
 */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getLlama, LlamaLogLevel, type Llama, type Token } from 'node-llama-cpp'
import { makeTestModel } from '../make-test-model.ts'
import { ModelRegistry, defaultThreads, runtime as createRuntime, type Runtime } from '../../node/runtime/index.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

/** The prompt every row generates from. */
export const BENCH_PROMPT = 'Mycel nodes share their models across the mesh.'
/** Tokens generated per measured run. */
export const BENCH_TOKENS = 128
const RUNS = 3
const SEQUENCES = 4

/** Path of the bench model, generated into `os.tmpdir()/mycel-bench` when missing. */
/** A llama.cpp instance for benchmarks: prebuilt binaries only, quiet. */
export async function benchLlama (): Promise<Llama> {
  return await getLlama({ gpu: 'auto', build: 'never', skipDownload: true, progressLogs: false, logLevel: LlamaLogLevel.error })
}

export async function benchModelPath (opts: { context?: number } = {}): Promise<string> {
  const path = join(tmpdir(), 'mycel-bench', opts.context != null ? `bench-s1-c${opts.context}.gguf` : 'bench-s1.gguf')
  try { await stat(path) } catch { await makeTestModel({ out: path, size: 'bench', seed: 1, ...(opts.context != null ? { context: opts.context } : {}) }) }
  return path
}

/** One generation of up to `maxTokens`; returns how many tokens it made. `onText` marks the first token. */
export type GenerateFn = (maxTokens: number, onText: (text: string) => void) => Promise<number>

export interface TokenRate {
  /** Generated tokens per second, median of the runs. */
  tokensPerSecond: number
  /** Time to first streamed text, per run. */
  ttftMs: number[]
}

/** Runs `generate` `runs` times for `tokens` tokens each; the median rate and every TTFT. */
export async function measureTokenRate (generate: GenerateFn, opts: { tokens?: number, runs?: number } = {}): Promise<TokenRate> {
  const tokens = opts.tokens ?? BENCH_TOKENS
  const rates: number[] = []
  const ttftMs: number[] = []
  for (let i = 0; i < (opts.runs ?? RUNS); i++) {
    const start = performance.now()
    let first: number | undefined
    const n = await generate(tokens, () => { first ??= performance.now() })
    const s = (performance.now() - start) / 1000
    rates.push(n / s)
    if (first != null) ttftMs.push(first - start)
  }
  return { tokensPerSecond: percentile(rates, 50), ttftMs }
}

/** `concurrency` generations at once; aggregate tokens per second and each one's TTFT. */
export async function measureConcurrent (generate: GenerateFn, concurrency: number, tokens = BENCH_TOKENS): Promise<TokenRate> {
  const start = performance.now()
  const ttftMs: number[] = []
  const counts = await Promise.all(Array.from({ length: concurrency }, async () => {
    let first: number | undefined
    const n = await generate(tokens, () => { first ??= performance.now() })
    if (first != null) ttftMs.push(first - start)
    return n
  }))
  const total = counts.reduce((a, b) => a + b, 0)
  return { tokensPerSecond: total / ((performance.now() - start) / 1000), ttftMs }
}

export interface DirectGeneratorOptions {
  /** @default 4 */
  sequences?: number
  /** @default the runtime's own default (`defaultThreads()`) */
  threads?: number
  /** @default BENCH_PROMPT */
  prompt?: string
}

/** node-llama-cpp with no Mycel in between: same model, context shape, threads and greedy sampling. */
export async function directGenerator (llama: Llama, modelPath: string, opts: DirectGeneratorOptions = {}): Promise<{ generate: GenerateFn, dispose: () => Promise<void> }> {
  const model = await llama.loadModel({ modelPath })
  const threads = opts.threads ?? defaultThreads()
  const context = await model.createContext({ sequences: opts.sequences ?? SEQUENCES, contextSize: 2048, ...(threads != null ? { threads } : {}) })
  const text = opts.prompt ?? BENCH_PROMPT
  const generate: GenerateFn = async (maxTokens, onText) => {
    const sequence = context.getSequence()
    const prompt = [...(model.tokens.bos != null ? [model.tokens.bos] : []), ...model.tokenize(text)]
    const out: Token[] = []
    try {
      for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
        if (out.length === 0) onText(model.detokenize([token]))
        out.push(token)
        if (out.length >= maxTokens) break
      }
      model.detokenize(out)
      return out.length
    } finally {
      await sequence.dispose()
    }
  }
  return { generate, dispose: async () => { await context.dispose(); await model.dispose() } }
}

/** Generation through Mycel's runtime (scheduler, sequences, streaming), as a task runs it. */
export function mycelGenerator (rt: Runtime, model: string, prompt = BENCH_PROMPT): GenerateFn {
  return async (maxTokens, onText) => (await rt.complete({ model, prompt, maxTokens, onText })).usage.completionTokens
}

/** Aggregate tokens/s of `count` generations one after another. */
export async function measureSerial (generate: GenerateFn, count: number, tokens = BENCH_TOKENS): Promise<number> {
  const start = performance.now()
  let n = 0
  for (let j = 0; j < count; j++) n += await generate(tokens, () => {})
  return n / ((performance.now() - start) / 1000)
}

async function run (): Promise<BenchRow[]> {
  const suite = 'runtime'
  const modelPath = await benchModelPath()
  const home = await mkdtemp(join(tmpdir(), 'mycel-bench-home-'))
  const llama = await benchLlama()
  const registry = new ModelRegistry({ dir: join(home, 'models') })
  await registry.add(modelPath, { name: 'bench' })
  const rt = createRuntime({ llama, sequences: SEQUENCES, keepAliveMs: 600_000 })({ registry })
  await rt.start()
  const direct = await directGenerator(llama, modelPath)
  try {
    const mycel = mycelGenerator(rt, 'bench')
    const backend = rt.hardware().backend
    // Warm both paths (load, first-touch of the weights) before measuring.
    await direct.generate(8, () => {})
    await mycel(8, () => {})
    // Interleave so drift on a shared machine hits both alike.
    const d: number[] = []
    const m: number[] = []
    for (let i = 0; i < RUNS; i++) {
      d.push((await measureTokenRate(direct.generate, { runs: 1 })).tokensPerSecond)
      m.push((await measureTokenRate(mycel, { runs: 1 })).tokensPerSecond)
    }
    const directRate = percentile(d, 50)
    const mycelRate = percentile(m, 50)

    // Batching: alternate the two shapes of the same work, medians of the rounds.
    const serialRates: number[] = []
    const concurrentRates: number[] = []
    for (let i = 0; i < RUNS; i++) {
      serialRates.push(await measureSerial(mycel, SEQUENCES))
      concurrentRates.push((await measureConcurrent(mycel, SEQUENCES)).tokensPerSecond)
    }
    const oneAtATime = percentile(serialRates, 50)
    const concurrent = percentile(concurrentRates, 50)

    const ttft: number[] = []
    for (let round = 0; round < 5; round++) ttft.push(...(await measureConcurrent(mycel, SEQUENCES, 32)).ttftMs)
    const ttftSingle = (await measureTokenRate(mycel, { tokens: 32, runs: 5 })).ttftMs

    const met = (v: number, min: number): boolean => v >= min
    return [
      { suite, name: `tok/s direct node-llama-cpp (${backend})`, value: directRate, unit: 'tok/s' },
      { suite, name: `tok/s via Mycel runtime (${backend})`, value: mycelRate, unit: 'tok/s', baseline: { name: 'direct', value: directRate }, target: '>= 0.95x', met: met(mycelRate / directRate, 0.95) },
      { suite, name: 'aggregate tok/s, 4 concurrent', value: concurrent, unit: 'tok/s', baseline: { name: '1 at a time', value: oneAtATime }, target: '>= 2x', met: met(concurrent / oneAtATime, 2) },
      { suite, name: 'TTFT p50, 4 concurrent', value: percentile(ttft, 50), unit: 'ms', baseline: { name: 'alone', value: percentile(ttftSingle, 50) } },
      { suite, name: 'TTFT p99, 4 concurrent', value: percentile(ttft, 99), unit: 'ms', baseline: { name: 'alone', value: percentile(ttftSingle, 99) } }
    ]
  } finally {
    await direct.dispose()
    await rt.stop()
    await llama.dispose()
    await rm(home, { recursive: true, force: true })
  }
}

export const runtime: BenchSuite = { name: 'runtime', run }
