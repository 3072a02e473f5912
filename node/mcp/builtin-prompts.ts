/**
 * The prompts every Mycel MCP server offers, over what the mesh has now:
 * asking its documents, asking one of its models, handing work to a named
 * member, and an overview of the members. Each embeds the resource it is
 * about, so the client's model starts from the same facts the user sees.
 */
import { ErrorCode, McpError, type PromptMessage } from '@modelcontextprotocol/sdk/types.js'
import type { MeshPrompt, PromptContext } from './prompts.ts'
import { collectionUri } from './resources.ts'
import { MEMBERS_URI } from './constants.ts'

function user (text: string): PromptMessage {
  return { role: 'user', content: { type: 'text', text } }
}

async function embedded (uri: string, ctx: PromptContext): Promise<PromptMessage | undefined> {
  const text = await ctx.resources.read(uri, ctx.signal)
  return text == null ? undefined : { role: 'user', content: { type: 'resource', resource: { uri, mimeType: 'application/json', text } } }
}

/** The peer id of a member named by id or name; a name two members share is refused with both ids. */
async function peerIdOf (peer: string, ctx: PromptContext): Promise<string> {
  const cards = await ctx.mesh.capabilities(ctx.signal) as Array<{ peerId?: unknown, name?: unknown }>
  if (cards.some(c => c.peerId === peer)) return peer
  const named = cards.filter(c => c.name === peer).map(c => String(c.peerId))
  if (named.length === 1) return named[0] as string
  if (named.length > 1) throw new McpError(ErrorCode.InvalidParams, `Several members are named ${peer}: ${named.join(', ')}`)
  throw new McpError(ErrorCode.InvalidParams, `No member of the mesh is named ${peer}`)
}

export const BUILTIN_PROMPTS: readonly MeshPrompt[] = [
  {
    name: 'ask_documents',
    title: 'Ask the organisation\'s documents',
    description: 'Answer a question from the documents in the mesh\'s memory, citing sources.',
    arguments: [
      { name: 'question', description: 'What to ask', required: true },
      { name: 'collection', description: 'Memory collection to ask (default: all)', completes: 'collection' }
    ],
    async render (args, ctx) {
      const where = args.collection != null ? ` in the collection "${args.collection}"` : ''
      const about = args.collection != null ? await embedded(collectionUri(args.collection), ctx) : undefined
      if (args.collection != null && about == null) throw new McpError(ErrorCode.InvalidParams, `No memory collection ${args.collection} in the mesh`)
      return [
        ...(about != null ? [about] : []),
        user(`Answer from the organisation's documents${where}: call the memory_ask tool` +
          `${args.collection != null ? ` with collection "${args.collection}"` : ''} (or memory_search for passages), cite the sources it returns, and say so if they do not answer it.\n\nQuestion: ${args.question ?? ''}`)
      ]
    }
  },
  {
    name: 'ask_model',
    title: 'Ask a model of the mesh',
    description: 'Have one of the mesh\'s local models answer, run on whichever member serves it.',
    arguments: [
      { name: 'question', description: 'What to ask', required: true },
      { name: 'model', description: 'Model to use (default: the first one a member offers)', completes: 'model' }
    ],
    async render (args) {
      const model = args.model != null ? `, model "${args.model}"` : ''
      return [user(`Call the delegate_task tool with kind "llm.chat"${model} and this as the prompt, then give me its answer and which member ran it.\n\n${args.question ?? ''}`)]
    }
  },
  {
    name: 'delegate_to_peer',
    title: 'Hand a task to a member',
    description: 'Run a task on one named member of the mesh (by name or peer id), under the mesh\'s policy.',
    arguments: [
      { name: 'peer', description: 'Member name or peer id', required: true, completes: 'peer' },
      { name: 'task', description: 'What the member should do', required: true },
      { name: 'kind', description: 'Task kind (default: llm.chat)' }
    ],
    async render (args, ctx) {
      const peerId = await peerIdOf(args.peer ?? '', ctx)
      return [user(`Call the delegate_task tool with kind "${args.kind ?? 'llm.chat'}", peer "${peerId}" and this as the prompt; if the mesh refuses, tell me why.\n\n${args.task ?? ''}`)]
    }
  },
  {
    name: 'mesh_overview',
    title: 'Overview of the mesh',
    description: 'Summarise the mesh: its members, their models, memory collections and hardware.',
    arguments: [],
    async render (_args, ctx) {
      const members = await embedded(MEMBERS_URI, ctx)
      return [...(members != null ? [members] : []), user('Summarise this Mycel mesh for me: who its members are, which models and memory collections each offers, and what hardware they run on.')]
    }
  }
]
