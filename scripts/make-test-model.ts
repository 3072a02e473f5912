/**
 * Writes a small llama-architecture GGUF with deterministic random weights and
 * a byte-level tokenizer, so tests, the demo and the benchmarks run the real
 * inference runtime without downloading anything.
 *
 * Usage: node scripts/make-test-model.ts --out FILE [--size tiny|bench] [--seed N] [--weights f32|f16|q8_0]
 *
 * @example
 * await makeTestModel({ out: '/tmp/tiny.gguf', size: 'tiny', seed: 1 })
 */
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { mkdir, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { writeGguf, type GgufTensor, type GgufTensorType, type GgufValue } from './gguf/writer.ts'

export type TestModelSize = 'tiny' | 'bench'

export interface TestModelShape {
  embedding: number
  layers: number
  heads: number
  kvHeads: number
  feedForward: number
  context: number
  /** Storage of the layer matrices (norms and embeddings stay F32). */
  weights: GgufTensorType
}

/** tiny: ~0.5 MB, for tests and the demo. bench: ~50 MB, so matrix work, not overhead, dominates a token. */
export const TEST_MODEL_SHAPES: Record<TestModelSize, TestModelShape> = {
  tiny: { embedding: 64, layers: 2, heads: 4, kvHeads: 2, feedForward: 128, context: 512, weights: 'f32' },
  bench: { embedding: 512, layers: 4, heads: 8, kvHeads: 8, feedForward: 1408, context: 2048, weights: 'f32' }
}

export interface MakeTestModelOptions {
  out: string
  /** @default 'tiny' */
  size?: TestModelSize
  /** @default 1 */
  seed?: number
  /**
   * Scale the output rows of printable ASCII up and the other bytes down, so
   * sampled text is mostly readable. Off, the model emits arbitrary bytes
   * (useful to exercise partial UTF-8 handling).
   * @default true
   */
  readableBias?: boolean
  /** Storage of the layer matrices. @default the size's own (`f32`) */
  weights?: GgufTensorType
  /** A Jinja `tokenizer.chat_template` to embed. @default none (runtimes use their fallback chat format) */
  chatTemplate?: string
  /** Declare mean pooling (`llama.pooling_type` 1), as embedding models do. @default false */
  pooling?: boolean
  /** Training context to declare (the runtime gives a model at most this). @default the size's own */
  context?: number
}

export interface TestModelInfo {
  path: string
  sizeBytes: number
  shape: TestModelShape
  vocabularySize: number
}

/** Token ids: 0 <unk>, 1 <s>, 2 </s>, 3..258 the bytes 0x00..0xFF, 259 "▁" (a space, as SentencePiece writes it). */
export const TOKEN = { unk: 0, bos: 1, eos: 2, firstByte: 3, space: 259 } as const
const VOCAB_SIZE = 260
/** llama.cpp `llama_ftype`: the file's predominant tensor type. */
const FILE_TYPE: Record<GgufTensorType, number> = { f32: 0, f16: 1, q8_0: 7 }

/** Small, fast, seedable PRNG (mulberry32); values in [0, 1). */
function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a of the tensor name, so each tensor's values depend only on (seed, name). */
function nameSeed (name: string, seed: number): number {
  let h = 0x811C9DC5 ^ seed
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** Uniform values with the given standard deviation. */
function uniform (name: string, seed: number, std: number): (out: Float32Array) => void {
  return out => {
    const r = prng(nameSeed(name, seed))
    const a = std * Math.sqrt(3)
    for (let i = 0; i < out.length; i++) out[i] = (r() * 2 - 1) * a
  }
}

const ones = (out: Float32Array): void => { out.fill(1) }

function isReadable (token: number): boolean {
  if (token === TOKEN.space) return true
  const byte = token - TOKEN.firstByte
  return byte === 0x0A || (byte >= 0x20 && byte < 0x7F)
}

function vocabulary (): { tokens: string[], scores: Float32Array, types: Int32Array } {
  const tokens = ['<unk>', '<s>', '</s>']
  for (let b = 0; b < 256; b++) tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)
  tokens.push('\u2581')
  const scores = new Float32Array(VOCAB_SIZE)
  // llama.cpp token types: 1 normal, 2 unknown, 3 control, 6 byte.
  const types = new Int32Array(VOCAB_SIZE).fill(6)
  types[TOKEN.unk] = 2; types[TOKEN.bos] = 3; types[TOKEN.eos] = 3; types[TOKEN.space] = 1
  scores[TOKEN.space] = -1
  return { tokens, scores, types }
}

export async function makeTestModel (opts: MakeTestModelOptions): Promise<TestModelInfo> {
  const size = opts.size ?? 'tiny'
  const seed = opts.seed ?? 1
  const readable = opts.readableBias ?? true
  const s = { ...TEST_MODEL_SHAPES[size], ...(opts.weights != null ? { weights: opts.weights } : {}), ...(opts.context != null ? { context: opts.context } : {}) }
  const headDim = s.embedding / s.heads
  const kvDim = headDim * s.kvHeads
  const vocab = vocabulary()
  const metadata: Record<string, GgufValue> = {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.name': { type: 'string', value: `mycel-test-${size}-s${seed}` },
    'general.file_type': { type: 'u32', value: FILE_TYPE[s.weights] },
    'llama.context_length': { type: 'u32', value: s.context },
    'llama.embedding_length': { type: 'u32', value: s.embedding },
    'llama.block_count': { type: 'u32', value: s.layers },
    'llama.feed_forward_length': { type: 'u32', value: s.feedForward },
    'llama.attention.head_count': { type: 'u32', value: s.heads },
    'llama.attention.head_count_kv': { type: 'u32', value: s.kvHeads },
    'llama.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-5 },
    'llama.rope.dimension_count': { type: 'u32', value: headDim },
    'llama.rope.freq_base': { type: 'f32', value: 10000 },
    'llama.vocab_size': { type: 'u32', value: VOCAB_SIZE },
    ...(opts.pooling === true ? { 'llama.pooling_type': { type: 'u32', value: 1 } satisfies GgufValue } : {}),
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: vocab.tokens },
    'tokenizer.ggml.scores': { type: 'f32[]', value: vocab.scores },
    'tokenizer.ggml.token_type': { type: 'i32[]', value: vocab.types },
    'tokenizer.ggml.bos_token_id': { type: 'u32', value: TOKEN.bos },
    'tokenizer.ggml.eos_token_id': { type: 'u32', value: TOKEN.eos },
    'tokenizer.ggml.unknown_token_id': { type: 'u32', value: TOKEN.unk },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: true },
    'tokenizer.ggml.add_eos_token': { type: 'bool', value: false },
    'tokenizer.ggml.add_space_prefix': { type: 'bool', value: false },
    ...(opts.chatTemplate != null ? { 'tokenizer.chat_template': { type: 'string', value: opts.chatTemplate } as GgufValue } : {})
  }
  const d = s.embedding
  const t = (name: string, dims: number[], fill: (out: Float32Array) => void): GgufTensor => ({ name, dims, fill })
  const tensors: GgufTensor[] = [
    t('token_embd.weight', [d, VOCAB_SIZE], uniform('token_embd.weight', seed, 1)),
    t('output_norm.weight', [d], ones),
    t('output.weight', [d, VOCAB_SIZE], out => {
      uniform('output.weight', seed, 1 / Math.sqrt(d))(out)
      for (let tok = 0; tok < VOCAB_SIZE; tok++) {
        // Control tokens get a zero row (logit 0): the model rarely ends a
        // text on its own, so runs reach their token limit.
        const k = tok < TOKEN.firstByte ? 0 : !readable ? 1 : isReadable(tok) ? 3 : 0.3
        for (let j = 0; j < d; j++) out[tok * d + j] = (out[tok * d + j] as number) * k
      }
    })
  ]
  for (let l = 0; l < s.layers; l++) {
    const p = `blk.${l}.`
    const w = (n: string, dims: number[]): GgufTensor => ({ ...t(p + n, dims, uniform(p + n, seed, 1 / Math.sqrt(dims[0] as number))), type: s.weights })
    tensors.push(
      t(p + 'attn_norm.weight', [d], ones),
      w('attn_q.weight', [d, d]),
      w('attn_k.weight', [d, kvDim]),
      w('attn_v.weight', [d, kvDim]),
      w('attn_output.weight', [d, d]),
      t(p + 'ffn_norm.weight', [d], ones),
      w('ffn_gate.weight', [d, s.feedForward]),
      w('ffn_up.weight', [d, s.feedForward]),
      w('ffn_down.weight', [s.feedForward, d])
    )
  }
  await mkdir(dirname(opts.out), { recursive: true })
  // Write beside and rename, so a reader never sees a half-written model.
  const tmp = `${opts.out}.${process.pid}.tmp`
  const sizeBytes = await writeGguf(tmp, metadata, tensors)
  await rename(tmp, opts.out)
  return { path: opts.out, sizeBytes, shape: s, vocabularySize: VOCAB_SIZE }
}

async function cli (argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, size: { type: 'string' }, seed: { type: 'string' }, weights: { type: 'string' } } })
  if (values.out == null) throw new Error('usage: node scripts/make-test-model.ts --out FILE [--size tiny|bench] [--seed N] [--weights f32|f16|q8_0]')
  const size = values.size ?? 'tiny'
  if (size !== 'tiny' && size !== 'bench') throw new Error(`--size must be tiny or bench, not ${size}`)
  const seed = values.seed != null ? Number(values.seed) : 1
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer')
  const weights = values.weights
  if (weights != null && weights !== 'f32' && weights !== 'f16' && weights !== 'q8_0') throw new Error('--weights must be f32, f16 or q8_0')
  const info = await makeTestModel({ out: values.out, size, seed, ...(weights != null ? { weights } : {}) })
  process.stdout.write(`${info.path}: ${size} model, ${info.sizeBytes} bytes\n`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  cli(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`make-test-model: ${err.message}\n`)
    process.exitCode = 1
  })
}
