/**
 * What a grammar costs: chat generation on the generated `bench` model, side
 * by side in one run, free vs held to a grammar. Free generation is measured
 * twice, on the plain token loop and through node-llama-cpp's `LlamaChat`
 * (tools offered, `toolChoice: 'none'`), because grammar-constrained chats
 * run on `LlamaChat`: the grammar's own cost is the last two rows' ratio to
 * that second baseline. Constrained rows: a `json_schema` response format and
 * a forced (`required`) tool call.
 *
 * Reproduce: `npm run bench -- grammar`
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ModelRegistry, runtime as createRuntime, type ChatRequest, type Runtime } from '../../node/runtime/index.ts'
import { benchLlama, benchModelPath } from './runtime.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const RUNS = 7
const TOKENS = 128
const MESSAGES: ChatRequest['messages'] = [{ role: 'user', content: 'List what the mesh shares.' }]
/** A long, bounded JSON answer: 8 strings of up to 24 characters. */
const LIST_SCHEMA = { type: 'object', properties: { items: { type: 'array', items: { type: 'string', maxLength: 24 }, minItems: 8, maxItems: 8 } }, required: ['items'] }
const TOOL = { name: 'share', parameters: LIST_SCHEMA }

type Shape = Omit<ChatRequest, 'model' | 'messages' | 'maxTokens'>
const SHAPES: Record<string, Shape> = {
  free: {},
  freeChat: { tools: [TOOL], toolChoice: 'none' },
  jsonSchema: { responseFormat: { type: 'json_schema', schema: LIST_SCHEMA } },
  forcedCall: { tools: [TOOL], toolChoice: 'required' }
}

/** Completion tokens per second of one chat. */
async function rate (rt: Runtime, shape: Shape): Promise<number> {
  const start = performance.now()
  const r = await rt.chat({ model: 'bench', messages: MESSAGES, maxTokens: TOKENS, ...shape })
  return r.usage.completionTokens / ((performance.now() - start) / 1000)
}

async function run (): Promise<BenchRow[]> {
  const suite = 'grammar'
  const home = await mkdtemp(join(tmpdir(), 'mycel-bench-home-'))
  const llama = await benchLlama()
  const registry = new ModelRegistry({ dir: join(home, 'models') })
  await registry.add(await benchModelPath(), { name: 'bench' })
  const rt = createRuntime({ llama, keepAliveMs: 600_000 })({ registry })
  await rt.start()
  try {
    const rates: Record<string, number[]> = Object.fromEntries(Object.keys(SHAPES).map(k => [k, []]))
    for (const shape of Object.values(SHAPES)) await rate(rt, shape) // warm: load, grammar builds
    // interleaved, so drift on a shared machine hits every shape alike
    for (let i = 0; i < RUNS; i++) for (const [k, shape] of Object.entries(SHAPES)) rates[k]?.push(await rate(rt, shape))
    const p50 = (k: string): number => percentile(rates[k] ?? [], 50)
    const backend = rt.hardware().backend
    const freeChat = { name: 'free, LlamaChat', value: p50('freeChat') }
    return [
      { suite, name: `tok/s free chat, token loop (${backend})`, value: p50('free'), unit: 'tok/s' },
      { suite, name: 'tok/s free chat, LlamaChat (tools, none)', value: p50('freeChat'), unit: 'tok/s', baseline: { name: 'token loop', value: p50('free') } },
      { suite, name: 'tok/s json_schema response format', value: p50('jsonSchema'), unit: 'tok/s', baseline: freeChat },
      { suite, name: 'tok/s forced tool call (required)', value: p50('forcedCall'), unit: 'tok/s', baseline: freeChat }
    ]
  } finally {
    await rt.stop()
    await llama.dispose()
    await rm(home, { recursive: true, force: true })
  }
}

export const grammar: BenchSuite = { name: 'grammar', run }
