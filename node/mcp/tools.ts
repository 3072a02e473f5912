/**
 * The MCP tools: the mesh's capabilities, delegating a task, and searching or
 * asking the organisation's memory. A refused or failed task is a tool error
 * (`isError: true`) with one clear line, which the model on the other end can
 * read and act on; protocol errors are reserved for malformed calls.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { DATA_CLASSES } from '../../protocol/task/messages.ts'
import { MeshTaskError, type MeshAccess, type MeshTask, type MeshTaskResult } from './access.ts'
import { MAX_TOOL_TEXT_CHARS, PROGRESS_FLUSH_MAX_MS, PROGRESS_RESULT_GAP_MS } from './constants.ts'
import { memberView } from './members.ts'
import { codeOf, publicMessage } from '../api/errors.ts'
import { ERROR_STATUS } from '../../protocol/codes.ts'

export type Extra = { signal: AbortSignal, _meta?: { progressToken?: string | number }, sendNotification: (n: any) => Promise<void> }

const Message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().max(MAX_TOOL_TEXT_CHARS) })

// output schemas (MCP tools, "Output Schema"): clients validate structuredContent against them
const TaskOutput = {
  taskId: z.string().describe('Id of the task in the audit logs'),
  executor: z.string().describe('Peer id of the member that ran it'),
  output: z.unknown().optional().describe('What the task returned'),
  usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int() }).optional()
}
const MembersOutput = {
  members: z.array(z.object({
    peerId: z.string(),
    name: z.string(),
    self: z.boolean(),
    taskKinds: z.array(z.string()),
    models: z.array(z.string()),
    collections: z.array(z.object({ name: z.string(), classification: z.string() })),
    hardware: z.unknown(),
    load: z.unknown(),
    roles: z.array(z.string())
  }))
}

function text (value: string, structured?: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: value }], ...(structured != null ? { structuredContent: structured } : {}) }
}

function toolError (message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] }
}

/** One line a user (or a model) can act on, by the failure's error code (`ERROR_STATUS[code].mcp` leads it). */
export function describeFailure (err: unknown, kind: string): string {
  const code = err instanceof MeshTaskError ? err.code : codeOf(err)
  const message = err instanceof MeshTaskError ? err.message : publicMessage(err)
  if (code === 'no-candidate' && kind.startsWith('memory.')) {
    return `No member of the mesh offers ${kind} (${kind === 'memory.ask' ? 'answering from documents' : 'memory search'}) to this node yet: ${message}`
  }
  const lead = ERROR_STATUS[code].mcp
  if (code === 'busy') {
    const ms = (err as { retryAfterMs?: number }).retryAfterMs ?? 1000
    return `${lead}; try again in ${Math.max(1, Math.ceil(ms / 1000))} s`
  }
  return `${lead}: ${message}`
}

/**
 * Runs a task, forwarding streamed text as MCP progress notifications when
 * the client asked for them. The result waits until every notification is
 * written, then `PROGRESS_RESULT_GAP_MS`, so that a client reads the
 * progress before the response that ends it.
 */
export async function runTask (mesh: MeshAccess, task: MeshTask, extra: Extra): Promise<MeshTaskResult> {
  const token = extra._meta?.progressToken
  let progress = 0
  const sending: Array<Promise<void>> = []
  try {
    return await mesh.run(task, {
      signal: extra.signal,
      ...(token != null
        ? { onText: (t: string) => { sending.push(extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: ++progress, message: t } }).catch(() => {})) } }
        : {})
    })
  } finally {
    if (sending.length > 0) {
      // a stalled transport does not hold the result (or the error) back for long
      await Promise.race([Promise.all(sending), sleep(PROGRESS_FLUSH_MAX_MS, undefined, { ref: false })])
      await sleep(PROGRESS_RESULT_GAP_MS)
    }
  }
}

function outputText (r: MeshTaskResult): string {
  return typeof r.output === 'string' ? r.output : JSON.stringify(r.output, null, 2)
}

function summary (r: MeshTaskResult): Record<string, unknown> {
  return { taskId: r.taskId, executor: r.executor, output: r.output as unknown, ...(r.usage != null ? { usage: r.usage } : {}) }
}

/** The first model a member offers, for `llm.*` tasks that name none. */
async function defaultModel (mesh: MeshAccess, signal: AbortSignal): Promise<string | undefined> {
  const caps = await mesh.capabilities(signal)
  for (const c of caps) {
    for (const m of Array.isArray(c.models) ? c.models as Array<{ name?: unknown }> : []) if (typeof m.name === 'string') return m.name
  }
  return undefined
}

export function registerTools (server: McpServer, mesh: MeshAccess): void {
  server.registerTool('mesh_capabilities', {
    title: 'Mesh capabilities',
    description: 'Lists the members of the Mycel mesh this node trusts (verified capability cards): task kinds, models, memory collections, GPU backend and current load.',
    outputSchema: MembersOutput,
    annotations: { readOnlyHint: true, openWorldHint: false }
  }, async (extra) => {
    try {
      const caps = await mesh.capabilities(extra.signal)
      const members = caps.map(memberView)
      return text(JSON.stringify(members, null, 2), { members })
    } catch (err) {
      return toolError(describeFailure(err, 'caps'))
    }
  })

  server.registerTool('delegate_task', {
    title: 'Delegate a task',
    description: 'Runs a task on the mesh: the node picks a capable, allowed, least-loaded member (or the one named by peer) and returns its output. ' +
      'Kinds: llm.complete (prompt), llm.chat (messages, or prompt as one user message), llm.embed (prompt), echo (prompt). ' +
      `Data classes: ${DATA_CLASSES.join(', ')} (local-only never leaves this node).`,
    inputSchema: {
      kind: z.string().min(1).max(64).describe('Task kind, e.g. llm.chat'),
      model: z.string().min(1).max(128).optional().describe('Model name; default: the first model a member offers'),
      prompt: z.string().max(MAX_TOOL_TEXT_CHARS).optional(),
      messages: z.array(Message).min(1).max(512).optional(),
      peer: z.string().min(1).max(128).optional().describe('Peer id of the member to run it on'),
      dataClass: z.enum(DATA_CLASSES).optional(),
      maxTokens: z.number().int().min(1).max(1_000_000).optional(),
      session: z.string().min(1).max(192).optional().describe('llm.chat only: continue this session (NAME or PEER_ID/NAME); send only the new messages, the node adds the history and memory')
    },
    outputSchema: TaskOutput,
    annotations: { openWorldHint: false }
  }, async (args, extra) => {
    const kind = args.kind
    let model = args.model
    try {
      if (kind.startsWith('llm.') && model == null) model = await defaultModel(mesh, extra.signal)
      if (kind.startsWith('llm.') && model == null) return toolError('No member offers a model; add one with `mycel models add FILE`')
      let input: Record<string, unknown>
      if (kind === 'llm.chat') {
        const messages = args.messages ?? (args.prompt != null ? [{ role: 'user', content: args.prompt }] : undefined)
        if (messages == null) return toolError('llm.chat needs messages or a prompt')
        input = { model, messages }
      } else {
        if (args.messages != null) return toolError(`${kind} takes a prompt, not messages (use llm.chat for messages)`)
        if (args.prompt == null) return toolError(`${kind} needs a prompt`)
        input = kind === 'llm.embed' ? { model, input: [args.prompt] } : kind.startsWith('llm.') ? { model, prompt: args.prompt } : { prompt: args.prompt }
      }
      if (args.maxTokens != null && kind !== 'llm.embed' && kind.startsWith('llm.')) input.maxTokens = args.maxTokens
      if (args.session != null && kind !== 'llm.chat') return toolError('Only llm.chat takes a session')
      const r = await runTask(mesh, {
        kind,
        input,
        ...(model != null && kind.startsWith('llm.') ? { model } : {}),
        ...(args.peer != null ? { peer: args.peer } : {}),
        ...(args.dataClass != null ? { dataClass: args.dataClass } : {}),
        ...(args.session != null ? { session: args.session } : {})
      }, extra)
      return text(outputText(r), summary(r))
    } catch (err) {
      return toolError(describeFailure(err, kind))
    }
  })

  server.registerTool('memory_search', {
    title: 'Search memory',
    description: 'Searches the organisation\'s private documents held in the members\' memory (hybrid BM25 and vector search) and returns the best passages with their sources and the member holding each. Without a collection it asks every member holding collections this node may read and fuses their answers; a member that misses the deadline is named (partial).',
    inputSchema: {
      query: z.string().min(1).max(MAX_TOOL_TEXT_CHARS),
      collection: z.string().min(1).max(128).optional(),
      k: z.number().int().min(1).max(100).optional()
    },
    outputSchema: TaskOutput,
    annotations: { readOnlyHint: true, openWorldHint: false }
  }, async (args, extra) => {
    try {
      if (args.collection == null) {
        // federated: every member holding what this node may read, fused by rank
        const answer = await mesh.searchMesh(args.query, { ...(args.k != null ? { k: args.k } : {}), signal: extra.signal })
        return text(JSON.stringify(answer, null, 2), { taskId: '', executor: 'mesh', output: answer })
      }
      const input: Record<string, unknown> = { query: args.query, ...(args.k != null ? { k: args.k } : {}), collection: args.collection }
      const r = await runTask(mesh, { kind: 'memory.search', input, collection: args.collection }, extra)
      return text(outputText(r), summary(r))
    } catch (err) {
      return toolError(describeFailure(err, 'memory.search'))
    }
  })

  server.registerTool('memory_ask', {
    title: 'Ask the organisation\'s documents',
    description: 'Answers a question from the organisation\'s private documents (retrieval-augmented), citing its sources.',
    inputSchema: {
      question: z.string().min(1).max(MAX_TOOL_TEXT_CHARS),
      collection: z.string().min(1).max(128).optional()
    },
    outputSchema: TaskOutput,
    annotations: { readOnlyHint: true, openWorldHint: false }
  }, async (args, extra) => {
    try {
      const input: Record<string, unknown> = { question: args.question, ...(args.collection != null ? { collection: args.collection } : {}) }
      const r = await runTask(mesh, { kind: 'memory.ask', input, ...(args.collection != null ? { collection: args.collection } : {}) }, extra)
      return text(outputText(r), summary(r))
    } catch (err) {
      return toolError(describeFailure(err, 'memory.ask'))
    }
  })
}
