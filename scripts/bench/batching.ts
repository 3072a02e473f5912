/**
 * Batching where it pays on a CPU: the generated `large` model (~1 GB of
 * Q8_0, larger than any cache) makes a decode step stream every weight from
 * memory, so 4 sequences decoded in one step share that read. Side by side
 * in one run: this machine's memory bandwidth and the tokens/s bound it sets
 * (the roofline), 4 concurrent tasks vs 1 at a time through Mycel's runtime
 * and on node-llama-cpp alone, and node-llama-cpp with 2 threads vs 1 (the
 * runtime's default on 2 cores), what one decode step costs by its shape, and
 * 4 concurrent structured (`json_schema`) chats, which node-llama-cpp's
 * `LlamaChat` runs, vs 1 at a time.
 * The model is generated here only, into `os.tmpdir()/mycel-bench`, never by
 * tests or CI.
 *
 * Reproduce: `npm run bench -- batching`
 */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Llama, Token } from 'node-llama-cpp'
import { makeTestModel, testModelSpec, testModelLayout } from '../make-test-model.ts'
import { ModelRegistry, defaultThreads, runtime as createRuntime } from '../../node/runtime/index.ts'
import { measureBandwidth } from './bandwidth.ts'
import { benchLlama, directGenerator, measureConcurrent, measureSerial, measureTokenRate, mycelGenerator, type GenerateFn } from './runtime.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

/** Short, so a task's time is decode steps (what batching shares), not the compute-bound prompt. */
const PROMPT = 'Mycel'
/** Tokens per task; at ~4 tok/s a serial round of 4 tasks takes ~30 s. */
const TOKENS = 32
const SEQUENCES = 4
/** Tokens per structured chat: its JSON answer ends sooner than free text. */
const STRUCTURED_TOKENS = 24
const ROUNDS = 3
/** Tokens per thread-count run: 2 threads on 2 busy cores can be 10x slower. */
const THREAD_TOKENS = 16
/** Structured chats' answer: a JSON object the grammar holds the model to (LlamaChat's path). */
const STRUCTURED = { type: 'json_schema' as const, schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } }
/** Decode steps timed per shape (medians). */
const STEP_RUNS = 5
/** Sequence ids in the order a step without Mycel's step barrier may queue them. */
const OUT_OF_ORDER = [2, 0, 3, 1]

/** Path of the large model; generated when missing or not the current layout (~15 s on this machine). */
export async function largeModelPath (): Promise<string> {
  const path = join(tmpdir(), 'mycel-bench', 'large-s1.gguf')
  const expected = testModelLayout({ size: 'large', seed: 1 }).totalBytes
  const size = await stat(path).then(s => s.size, () => -1)
  if (size !== expected) {
    const started = performance.now()
    await makeTestModel({ out: path, size: 'large', seed: 1 })
    process.stderr.write(`bench: generated the large model (${(expected / 1e9).toFixed(2)} GB) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  }
  return path
}

/** Bytes a decode step reads: every tensor but the token embeddings (one row of those per token). */
export function largeModelBytesPerToken (): number {
  const spec = testModelSpec({ size: 'large', seed: 1 })
  const { sizes } = testModelLayout({ size: 'large', seed: 1 })
  return sizes.reduce((sum, n, i) => spec.tensors[i]?.name === 'token_embd.weight' ? sum : sum + n, 0)
}

export interface StepTimes {
  /** One sequence, one token. */
  one: number
  /** Four sequences, one token each, queued in sequence id order. */
  inOrder: number
  /** The same four, queued out of order. */
  outOfOrder: number
}

/**
 * What one decode step costs on node-llama-cpp alone, by its shape (ms,
 * medians): a step of 4 tokens against 1 is what batching can win (the
 * roofline), in order against out of order is why the step barrier sorts.
 */
export async function measureDecodeSteps (llama: Llama, modelPath: string): Promise<StepTimes> {
  const model = await llama.loadModel({ modelPath })
  const threads = defaultThreads()
  const context = await model.createContext({ sequences: SEQUENCES, contextSize: 2048, ...(threads != null ? { threads } : {}) })
  try {
    const prompt = model.tokenize(PROMPT)
    const token = prompt[0] as Token
    const sequences = Array.from({ length: SEQUENCES }, () => context.getSequence())
    for (const s of sequences) await s.evaluateWithoutGeneratingNewTokens(prompt)
    // all four queued in one tick: node-llama-cpp dispatches them as one batch, in queue order
    const step = async (order: number[]): Promise<number> => {
      const started = performance.now()
      await Promise.all(order.map(async i => { await sequences[i]?.evaluateWithoutGeneratingNewTokens([token]) }))
      return performance.now() - started
    }
    const one: number[] = []
    const inOrder: number[] = []
    const outOfOrder: number[] = []
    for (let i = 0; i < STEP_RUNS; i++) {
      one.push(await step([0]))
      inOrder.push(await step([0, 1, 2, 3]))
      outOfOrder.push(await step(OUT_OF_ORDER))
    }
    return { one: percentile(one, 50), inOrder: percentile(inOrder, 50), outOfOrder: percentile(outOfOrder, 50) }
  } finally {
    await context.dispose()
    await model.dispose()
  }
}

async function run (): Promise<BenchRow[]> {
  const suite = 'batching'
  const modelPath = await largeModelPath()
  const bytesPerToken = largeModelBytesPerToken()
  const bw = measureBandwidth()
  const bound = bw.readBytesPerSecond / bytesPerToken
  const home = await mkdtemp(join(tmpdir(), 'mycel-bench-home-'))
  const llama = await benchLlama()
  const registry = new ModelRegistry({ dir: join(home, 'models') })
  await registry.add(modelPath, { name: 'large' })
  const rt = createRuntime({ llama, sequences: SEQUENCES, keepAliveMs: 600_000 })({ registry })
  const rows: BenchRow[] = []
  try {
    await rt.start()
    const mycel = mycelGenerator(rt, 'large', PROMPT)
    await mycel(4, () => {}) // load, and first touch of every weight page
    // a structured chat runs on node-llama-cpp's LlamaChat, whose token loop is its own
    const structured: GenerateFn = async (maxTokens, onText) => (await rt.chat({ model: 'large', messages: [{ role: 'user', content: PROMPT }], responseFormat: STRUCTURED, maxTokens, onText })).usage.completionTokens
    await structured(4, () => {})
    // The same on node-llama-cpp alone, so llama.cpp's own ratio is read beside Mycel's.
    const direct = await directGenerator(llama, modelPath, { sequences: SEQUENCES, prompt: PROMPT })
    const serial: number[] = []
    const concurrent: number[] = []
    const directSerial: number[] = []
    const directConcurrent: number[] = []
    const structuredSerial: number[] = []
    const structuredConcurrent: number[] = []
    try {
      await direct.generate(4, () => {})
      // Alternate the shapes of the same work so drift on a shared machine hits them alike.
      for (let i = 0; i < ROUNDS; i++) {
        serial.push(await measureSerial(mycel, SEQUENCES, TOKENS))
        concurrent.push((await measureConcurrent(mycel, SEQUENCES, TOKENS)).tokensPerSecond)
        directSerial.push(await measureSerial(direct.generate, SEQUENCES, TOKENS))
        directConcurrent.push((await measureConcurrent(direct.generate, SEQUENCES, TOKENS)).tokensPerSecond)
        structuredSerial.push(await measureSerial(structured, SEQUENCES, STRUCTURED_TOKENS))
        structuredConcurrent.push((await measureConcurrent(structured, SEQUENCES, STRUCTURED_TOKENS)).tokensPerSecond)
      }
    } finally { await direct.dispose() }
    const steps = await measureDecodeSteps(llama, modelPath)
    const oneAtATime = percentile(serial, 50)
    const batched = percentile(concurrent, 50)
    const directOne = percentile(directSerial, 50)
    const directBatched = percentile(directConcurrent, 50)
    const threads = defaultThreads() ?? 0
    rows.push(
      { suite, name: 'memory read bandwidth, 1 thread (memcmp)', value: bw.readBytesPerSecond / 1e9, unit: 'GB/s' },
      { suite, name: 'memory copy bandwidth, 1 thread (memcpy, r+w)', value: bw.copyBytesPerSecond / 1e9, unit: 'GB/s' },
      { suite, name: `weights read per decode step (large, Q8_0)`, value: bytesPerToken / 1e9, unit: 'GB' },
      { suite, name: 'decode step, 1 sequence (large, node-llama-cpp)', value: steps.one, unit: 'ms' },
      { suite, name: 'decode step, 4 sequences in id order', value: steps.inOrder, unit: 'ms', baseline: { name: '1 sequence', value: steps.one } },
      { suite, name: `decode step, 4 sequences queued ${OUT_OF_ORDER.join(', ')}`, value: steps.outOfOrder, unit: 'ms', baseline: { name: 'in id order', value: steps.inOrder } },
      { suite, name: `tok/s 1 at a time (large, Mycel, ${threads > 0 ? `${threads} thread` : 'default threads'})`, value: oneAtATime, unit: 'tok/s', baseline: { name: 'roofline bound', value: bound } },
      { suite, name: 'aggregate tok/s, 4 concurrent (large, Mycel runtime)', value: batched, unit: 'tok/s', baseline: { name: '1 at a time', value: oneAtATime }, target: '>= 1.5x', met: batched / oneAtATime >= 1.5 },
      { suite, name: 'aggregate tok/s, 4 concurrent (large, node-llama-cpp alone)', value: directBatched, unit: 'tok/s', baseline: { name: '1 at a time', value: directOne } },
      { suite, name: 'aggregate tok/s, 4 concurrent structured chats (large, Mycel)', value: percentile(structuredConcurrent, 50), unit: 'tok/s', baseline: { name: '1 at a time', value: percentile(structuredSerial, 50) } }
    )
  } finally {
    await rt.stop()
    await rm(home, { recursive: true, force: true })
  }
  // The one-thread rule: the same model, one sequence, node-llama-cpp with 1 then 2 threads.
  try {
    const rates: Record<number, number> = {}
    for (const t of [1, 2]) {
      const direct = await directGenerator(llama, modelPath, { sequences: 1, threads: t, prompt: PROMPT })
      try {
        await direct.generate(2, () => {})
        rates[t] = (await measureTokenRate(direct.generate, { tokens: THREAD_TOKENS, runs: 1 })).tokensPerSecond
      } finally { await direct.dispose() }
    }
    rows.push({ suite, name: 'tok/s 2 threads (large, 1 sequence)', value: rates[2] as number, unit: 'tok/s', baseline: { name: '1 thread', value: rates[1] as number } })
  } finally {
    await llama.dispose()
  }
  return rows
}

export const batching: BenchSuite = { name: 'batching', run }
