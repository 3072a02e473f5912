/**
 * The checks both MCP transports must pass, against a two-node mesh where
 * the MCP server runs at beta (no model) and alpha serves the model.
 */
import assert from 'node:assert/strict'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { MycelProcess } from '../helpers/harness.ts'
import { MODEL } from '../openai/mesh.ts'

interface ToolResult { isError?: boolean, content: Array<{ type: string, text?: string }>, structuredContent?: Record<string, any> }

export async function call (client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return await client.callTool({ name, arguments: args }) as ToolResult
}

function textOf (r: ToolResult): string {
  return r.content.map(c => c.text ?? '').join('')
}

export async function checkTools (client: Client, alpha: MycelProcess, beta: MycelProcess): Promise<void> {
  const { tools } = await client.listTools()
  // the mesh's own tools, and the tools of the mesh this node may call (every node offers code.run to itself)
  assert.deepEqual(tools.map(t => t.name).sort(), ['code.run', 'delegate_task', 'memory_ask', 'memory_search', 'mesh_capabilities'])
  const delegate = tools.find(t => t.name === 'delegate_task')
  assert.deepEqual((delegate?.inputSchema.required ?? []), ['kind'])
  assert.ok('peer' in (delegate?.inputSchema.properties ?? {}) && 'dataClass' in (delegate?.inputSchema.properties ?? {}))

  const caps = await call(client, 'mesh_capabilities')
  assert.notEqual(caps.isError, true, textOf(caps))
  const members = caps.structuredContent?.members as Array<{ name: string, peerId: string, models: string[], self: boolean }>
  assert.deepEqual(members.map(m => m.name).sort(), ['alpha', 'beta'])
  assert.deepEqual(members.find(m => m.name === 'alpha')?.models, [MODEL])
  assert.equal(members.find(m => m.self)?.peerId, beta.peerId)
  assert.ok(textOf(caps).includes(alpha.peerId), 'the text content carries the same list')
}

export async function checkDelegation (client: Client, alpha: MycelProcess): Promise<void> {
  // llm.chat with no model named: the first model a member offers, run by alpha (beta has none)
  const chat = await call(client, 'delegate_task', { kind: 'llm.chat', prompt: 'Hello from MCP', maxTokens: 8 })
  assert.notEqual(chat.isError, true, textOf(chat))
  assert.ok(textOf(chat).length > 0)
  assert.equal(chat.structuredContent?.executor, alpha.peerId)
  assert.ok((chat.structuredContent?.usage?.completionTokens ?? 0) > 0)

  const echo = await call(client, 'delegate_task', { kind: 'echo', prompt: 'ping <b>over</b> the mesh', peer: alpha.peerId, dataClass: 'internal' })
  assert.notEqual(echo.isError, true, textOf(echo))
  assert.equal(textOf(echo), 'ping <b>over</b> the mesh')
  assert.equal(echo.structuredContent?.executor, alpha.peerId)

  // streamed text arrives as progress notifications when the client asks for them
  const pieces: string[] = []
  // The SDK's client dispatches a notification a microtask after reading it but a response at
  // once: progress read together with its response reaches `onerror` as late instead
  // (modelcontextprotocol/typescript-sdk#2580). The server spaces them; what still comes late
  // under load was sent, in order, and counts.
  const late: string[] = []
  const onerror = client.onerror
  client.onerror = (err) => {
    const m = /progress notification for an unknown token: (\{.*\})$/s.exec(err.message)
    if (m == null) { onerror?.(err); return }
    const n = JSON.parse(m[1] as string) as { params: { message?: string } }
    if (n.params.message != null) late.push(n.params.message)
  }
  try {
    const streamed = await client.callTool({ name: 'delegate_task', arguments: { kind: 'echo', prompt: 'one two three four', peer: alpha.peerId } }, undefined, {
      onprogress: (p) => { if (p.message != null) pieces.push(p.message) }
    }) as ToolResult
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(textOf(streamed), 'one two three four')
    assert.equal([...pieces, ...late].join(''), 'one two three four')
  } finally {
    client.onerror = onerror
  }
}

export async function checkToolErrors (client: Client): Promise<void> {
  const unknown = await call(client, 'delegate_task', { kind: 'llm.complete', model: 'no-such-model', prompt: 'x' })
  assert.equal(unknown.isError, true)
  assert.match(textOf(unknown), /No member can run this.*no-such-model/)

  const localOnly = await call(client, 'delegate_task', { kind: 'echo', prompt: 'x', peer: 'somebody-else', dataClass: 'local-only' })
  assert.equal(localOnly.isError, true)
  assert.match(textOf(localOnly), /Denied by policy/)

  // every node serves memory now; these meshes hold no documents
  const search = await call(client, 'memory_search', { query: 'parental leave', k: 3 })
  assert.notEqual(search.isError, true)
  assert.doesNotMatch(textOf(search), /parental leave is/i)

  const ask = await call(client, 'memory_ask', { question: 'What is our leave policy?', collection: 'hr' })
  assert.equal(ask.isError, true)
  assert.match(textOf(ask), /hr/)

  // arguments of the wrong shape are refused before anything runs (as a tool error or a protocol error)
  const bad = await call(client, 'delegate_task', { kind: 42 }).catch((err: Error) => ({ isError: true, content: [{ type: 'text', text: err.message }] }))
  assert.equal(bad.isError, true)
  const missing = await call(client, 'delegate_task', { kind: 'llm.chat' })
  assert.equal(missing.isError, true)
  assert.match(textOf(missing), /needs messages or a prompt/)
}
