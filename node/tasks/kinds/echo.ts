/**
 * `echo`: returns its input text, streamed in pieces. Exercises the whole
 * delegation path (signing, encryption, policy, audit, streaming) without a
 * model, for tests and benchmarks.
 */
import { object, optional, parse, str, uint } from '../../../protocol/shape.ts'
import { InvalidTaskInputError } from '../errors.ts'
import type { TaskKindHandler } from '../registry.ts'
import { sleep } from '../sleep.ts'

const EchoInput = object({
  prompt: str({ max: 1024 * 1024 }),
  /** Pieces to stream the text in. @default 1 */
  chunks: optional(uint({ min: 1, max: 1024 })),
  /** Pause between pieces, to test cancel and failover. @default 0 */
  delayMs: optional(uint({ max: 10_000 }))
})

export interface EchoInput { prompt: string, chunks?: number, delayMs?: number }

export function echoKind (): TaskKindHandler<EchoInput> {
  return {
    kind: 'echo',
    parseInput (value) {
      try { return parse(EchoInput, value, 'echo input') } catch (err) { throw new InvalidTaskInputError((err as Error).message) }
    },
    async run (input, ctx) {
      const n = Math.min(input.chunks ?? 1, Math.max(1, input.prompt.length))
      const size = Math.ceil(input.prompt.length / n)
      for (let i = 0; i < input.prompt.length || i === 0; i += Math.max(1, size)) {
        ctx.signal.throwIfAborted()
        if ((input.delayMs ?? 0) > 0 && i > 0) await sleep(input.delayMs as number, ctx.signal)
        const piece = input.prompt.slice(i, i + size)
        if (piece !== '') ctx.emit(piece)
        if (input.prompt.length === 0) break
      }
      return { output: input.prompt, usage: { promptTokens: input.prompt.length, completionTokens: input.prompt.length } }
    }
  }
}
