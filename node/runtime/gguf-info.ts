/**
 * What the registry keeps about a GGUF file, read from its header with
 * node-llama-cpp's `readGgufFileInfo` (no model load). Also catches files that
 * are truncated after a valid header, which a header reader alone would miss.
 */
import { stat } from 'node:fs/promises'
import { readGgufFileInfo, GgufFileType, GgmlType, type GgufTensorInfo } from 'node-llama-cpp'
import { InvalidModelFileError } from './errors.ts'

export interface GgufModelInfo {
  architecture: string
  parameterCount: number
  /** llama.cpp file type, e.g. `Q4_K_M`, `F32`. */
  quantisation: string
  contextLength: number
  embeddingLength: number
  /** Whether the file carries `tokenizer.chat_template`. */
  hasChatTemplate: boolean
  /** Whether the file declares how token vectors pool into one (`<arch>.pooling_type`): an embedding model. */
  pooling: boolean
  sizeBytes: number
}

/** [values per block, bytes per block] for the ggml types whose layout we are sure of. */
const BLOCK: Partial<Record<GgmlType, [number, number]>> = {
  [GgmlType.F32]: [1, 4],
  [GgmlType.F16]: [1, 2],
  [GgmlType.BF16]: [1, 2],
  [GgmlType.Q4_0]: [32, 18],
  [GgmlType.Q4_1]: [32, 20],
  [GgmlType.Q5_0]: [32, 22],
  [GgmlType.Q5_1]: [32, 24],
  [GgmlType.Q8_0]: [32, 34],
  [GgmlType.Q2_K]: [256, 84],
  [GgmlType.Q3_K]: [256, 110],
  [GgmlType.Q4_K]: [256, 144],
  [GgmlType.Q5_K]: [256, 176],
  [GgmlType.Q6_K]: [256, 210]
}

function elements (t: GgufTensorInfo): number {
  return t.dimensions.reduce<number>((a, d) => a * Number(d), 1)
}

/** The byte where the tensor data ends, as far as the header lets us tell. */
function dataEnd (tensors: readonly GgufTensorInfo[]): number {
  let end = 0
  for (const t of tensors) {
    const block = BLOCK[t.ggmlType]
    const bytes = block != null ? Math.ceil(elements(t) / block[0]) * block[1] : 1
    end = Math.max(end, Number(t.fileOffset) + bytes)
  }
  return end
}

function quantName (fileType: number | undefined, tensors: readonly GgufTensorInfo[]): string {
  if (fileType != null && GgufFileType[fileType] != null) return GgufFileType[fileType].replace(/^(ALL|MOSTLY)_/, '')
  // No file_type key: name the type that holds most parameters.
  const byType = new Map<number, number>()
  for (const t of tensors) byType.set(t.ggmlType, (byType.get(t.ggmlType) ?? 0) + elements(t))
  const top = [...byType.entries()].sort((a, b) => b[1] - a[1])[0]
  return top != null ? (GgmlType[top[0]] ?? `type${top[0]}`) : 'unknown'
}

export async function readModelFileInfo (path: string, signal?: AbortSignal): Promise<GgufModelInfo> {
  let size: number
  try {
    const s = await stat(path)
    if (!s.isFile()) throw new InvalidModelFileError(path, 'not a regular file')
    size = s.size
  } catch (err) {
    if ((err as Error).name === InvalidModelFileError.name) throw err
    throw new InvalidModelFileError(path, (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message)
  }
  let info
  try {
    info = await readGgufFileInfo(path, { readTensorInfo: true, sourceType: 'filesystem', logWarnings: false, ...(signal != null ? { signal } : {}) })
  } catch (err) {
    throw new InvalidModelFileError(path, `unreadable GGUF header (${(err as Error).message.split('\n')[0] ?? 'error'})`)
  }
  const tensors = info.fullTensorInfo ?? info.tensorInfo ?? []
  if (tensors.length === 0) throw new InvalidModelFileError(path, 'no tensors')
  const end = dataEnd(tensors)
  if (end > size) throw new InvalidModelFileError(path, `truncated: tensor data runs to byte ${end}, the file has ${size}`)
  const meta = info.metadata as { general?: { architecture?: string, file_type?: number }, tokenizer?: { chat_template?: string } }
  const arch = info.architectureMetadata as { context_length?: number, embedding_length?: number, pooling_type?: number }
  const architecture = meta.general?.architecture
  if (typeof architecture !== 'string') throw new InvalidModelFileError(path, 'no general.architecture')
  return {
    architecture,
    parameterCount: tensors.reduce((a, t) => a + elements(t), 0),
    quantisation: quantName(meta.general?.file_type, tensors),
    contextLength: Number(arch.context_length ?? 0),
    embeddingLength: Number(arch.embedding_length ?? 0),
    hasChatTemplate: typeof meta.tokenizer?.chat_template === 'string' && meta.tokenizer.chat_template !== '',
    // llama.cpp: 0 is "none", -1 "unspecified"
    pooling: typeof arch.pooling_type === 'number' && arch.pooling_type > 0,
    sizeBytes: size
  }
}
