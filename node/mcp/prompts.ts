/**
 * MCP prompts (https://modelcontextprotocol.io/specification/2025-06-18/server/prompts):
 * templates a user picks in an MCP client, whose messages point the
 * client's model at the mesh. A prompt is a `MeshPrompt` — name, string
 * arguments (some completing to model, collection or peer names), and a
 * render function — so any source of them registers the same way: the
 * built-ins (`builtin-prompts.ts`) today, the mesh's agents and saved
 * prompts once those exist, each one more list passed to `registerPrompts`.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { completable } from '@modelcontextprotocol/sdk/server/completable.js'
import type { PromptMessage } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import type { MeshAccess } from './access.ts'
import type { MeshNames, NameKind } from './completions.ts'
import type { MeshResources } from './resources.ts'
import { MAX_TOOL_TEXT_CHARS } from './constants.ts'

/** Longest name-like argument (a model, collection or peer), in characters. */
const MAX_NAME_CHARS = 128

export interface PromptArgument {
  name: string
  description: string
  /** @default false */
  required?: boolean
  /** The names this argument completes to; free text when absent. */
  completes?: NameKind
}

/** What a prompt may look at while it renders. */
export interface PromptContext {
  mesh: Pick<MeshAccess, 'capabilities'>
  resources: MeshResources
  signal: AbortSignal
}

export interface MeshPrompt {
  name: string
  title: string
  description: string
  arguments: PromptArgument[]
  render: (args: Record<string, string | undefined>, ctx: PromptContext) => Promise<PromptMessage[]>
}

function argSchema (arg: PromptArgument, names: MeshNames): z.ZodType<string | undefined> {
  const base = z.string().min(1).max(arg.completes != null ? MAX_NAME_CHARS : MAX_TOOL_TEXT_CHARS)
  const schema = (arg.required === true ? base : base.optional()).describe(arg.description)
  const kind = arg.completes
  return kind != null ? completable(schema, async (value: string | undefined) => await names.complete(kind, value ?? '')) : schema
}

export function registerPrompts (server: McpServer, prompts: readonly MeshPrompt[], ctx: Omit<PromptContext, 'signal'> & { names: MeshNames }): void {
  for (const p of prompts) {
    const shape = Object.fromEntries(p.arguments.map(a => [a.name, argSchema(a, ctx.names)]))
    server.registerPrompt(p.name, { title: p.title, description: p.description, argsSchema: shape }, async (args: Record<string, string | undefined>, extra) => ({
      description: p.description,
      messages: await p.render(args, { mesh: ctx.mesh, resources: ctx.resources, signal: extra.signal })
    }))
  }
}
