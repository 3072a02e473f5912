/**
 * `memory.forget`: a member asks this node to erase, from its own memory,
 * the documents of a source id (or matching a string), with their chunks,
 * vectors and the conversation summaries that copied them. The executor's
 * policy check decides who may ask; the node audits the erasure and reports
 * counts back, never text.
 */
import { object, optional, str } from '../../../protocol/shape.ts'
import { InvalidTaskInputError } from '../errors.ts'
import type { TaskKindHandler } from '../registry.ts'
import { parse } from '../../../protocol/shape.ts'

export const MEMORY_FORGET_KIND = 'memory.forget'

const ForgetInput = object({ source: optional(str({ min: 1, max: 128 })), match: optional(str({ min: 3, max: 1024 })) })
export interface MemoryForgetInput { source?: string, match?: string }

/** What one node erased. */
export interface ForgetReport { node: string, documents: number, chunks: number, summaries: number }

/** This node's erasure and, with `mesh`, each member's report or why it failed. */
export interface MeshForgetReport {
  local: ForgetReport
  members: Array<ForgetReport | { node: string, error: string }>
}

/** The node's erasure: for this node on someone's behalf, or here and (with `mesh`) on every member. */
export interface MemoryForget {
  local: (input: MemoryForgetInput, requestedBy: string, signal?: AbortSignal) => Promise<ForgetReport>
  forget: (input: MemoryForgetInput & { mesh?: boolean }, signal?: AbortSignal) => Promise<MeshForgetReport>
}

export interface MemoryForgetKindInit {
  /** Erases locally and audits it, on behalf of `requestedBy`. */
  forget: (input: MemoryForgetInput, requestedBy: string, signal: AbortSignal) => Promise<ForgetReport>
}

export function memoryForgetKind (init: MemoryForgetKindInit): TaskKindHandler<MemoryForgetInput> {
  return {
    kind: MEMORY_FORGET_KIND,
    parseInput: (v) => {
      let input: MemoryForgetInput
      try { input = parse(ForgetInput, v, 'memory.forget input') } catch (err) { throw new InvalidTaskInputError((err as Error).message) }
      if ((input.source == null) === (input.match == null)) throw new InvalidTaskInputError('memory.forget takes a source id or a match string, one of them')
      return input
    },
    async run (input, ctx) {
      return { output: await init.forget(input, ctx.from, ctx.signal) }
    }
  }
}
