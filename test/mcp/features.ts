/**
 * The MCP features beyond tools, checked the same way over both transports
 * (beta serves MCP and holds the memory; alpha serves the model): resources
 * and subscriptions, prompts, completion of arguments, logging, and the
 * tools' output schemas.
 */
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { LoggingMessageNotificationSchema, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema, type LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js'
import type { Harness, MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { MODEL } from '../openai/mesh.ts'

const MEMBERS = 'mycel://mesh/members'
const TEMPLATE = 'mycel://memory/{collection}'

function textOf (content: unknown): string {
  const c = content as { type: string, text?: string, resource?: { text?: string } }
  return c.type === 'resource' ? c.resource?.text ?? '' : c.text ?? ''
}

async function readText (client: Client, uri: string): Promise<string> {
  const [first] = (await client.readResource({ uri })).contents
  assert.equal(first?.mimeType, 'application/json')
  return String((first as { text: string }).text)
}

/**
 * Subscribes to a collection that does not exist yet, creates it at beta
 * with `mycel memory ingest` (through the running node), and hears of it.
 */
export async function checkResources (client: Client, h: Harness, beta: MycelProcess, collection: string): Promise<void> {
  const uri = `mycel://memory/${collection}`
  const updated: string[] = []
  let listChanged = 0
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri) })
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => { listChanged++ })

  const before = await client.listResources()
  assert.ok(before.resources.some(r => r.uri === MEMBERS))
  assert.ok(!before.resources.some(r => r.uri === uri))
  const templates = await client.listResourceTemplates()
  assert.deepEqual(templates.resourceTemplates.map(t => t.uriTemplate), [TEMPLATE])

  const members = JSON.parse(await readText(client, MEMBERS)) as Array<{ name: string, models: string[], self: boolean, peerId: string }>
  assert.deepEqual(members.map(m => m.name).sort(), ['alpha', 'beta'])
  assert.deepEqual(members.find(m => m.name === 'alpha')?.models, [MODEL])
  assert.equal(members.find(m => m.self)?.peerId, beta.peerId)

  await assert.rejects(client.readResource({ uri }), /-32002.*No resource/)
  await assert.rejects(client.subscribeResource({ uri: 'file:///etc/passwd' }), /Not a Mycel resource/)
  await client.subscribeResource({ uri })

  const docs = await h.tempDir('mycel-mcp-docs-')
  await mkdir(join(docs, 'hr'))
  await writeFile(join(docs, 'hr', 'leave.md'), '# Leave\n\nEvery employee gets 30 days of paid leave a year.\n')
  await h.ok(beta.home, ['memory', 'ingest', join(docs, 'hr'), '--collection', collection])
  await waitFor(() => updated.includes(uri), { what: `notifications/resources/updated for ${uri}` })
  await waitFor(() => listChanged > 0, { what: 'notifications/resources/list_changed' })

  const listed = await client.listResources()
  assert.ok(listed.resources.some(r => r.uri === uri && r.name === collection && r.mimeType === 'application/json'))
  const read = await client.readResource({ uri })
  assert.equal(read.contents[0]?.uri, uri)
  const view = JSON.parse(await readText(client, uri)) as { collection: string, here: { documents: number, files: Array<{ source: string }> } }
  assert.equal(view.collection, collection)
  assert.equal(view.here.documents, 1)
  assert.deepEqual(view.here.files.map(f => f.source), [join(docs, 'hr', 'leave.md')])
  // the text of the documents stays behind the memory tools
  assert.doesNotMatch(JSON.stringify(view), /30 days/)

  // a second document is a second change; after unsubscribing, a third is not told
  const seen = updated.length
  await writeFile(join(docs, 'hr', 'travel.md'), '# Travel\n\nBook trains for trips under 600 km.\n')
  await h.ok(beta.home, ['memory', 'ingest', join(docs, 'hr'), '--collection', collection])
  await waitFor(() => updated.length > seen, { what: 'a second resources/updated' })
  const after = JSON.parse(await readText(client, uri)) as { here: { documents: number } }
  assert.equal(after.here.documents, 2)
  await client.unsubscribeResource({ uri })
}

export async function checkPrompts (client: Client, alpha: MycelProcess, collection: string): Promise<void> {
  const { prompts } = await client.listPrompts()
  assert.deepEqual(prompts.map(p => p.name).sort(), ['ask_documents', 'ask_model', 'delegate_to_peer', 'mesh_overview'])
  assert.deepEqual(prompts.find(p => p.name === 'ask_documents')?.arguments?.map(a => [a.name, a.required]), [['question', true], ['collection', false]])

  const docs = await client.getPrompt({ name: 'ask_documents', arguments: { question: 'How many days of leave?', collection } })
  const [about, ask] = docs.messages
  assert.equal((about?.content as { resource?: { uri: string } }).resource?.uri, `mycel://memory/${collection}`)
  assert.match(textOf(about?.content), /leave\.md/)
  assert.match(textOf(ask?.content), /memory_ask.*How many days of leave\?/s)

  // a member named by its name is handed over by its peer id
  const handed = await client.getPrompt({ name: 'delegate_to_peer', arguments: { peer: 'alpha', task: 'Summarise the week' } })
  assert.match(textOf(handed.messages[0]?.content), new RegExp(`peer "${alpha.peerId}".*Summarise the week`, 's'))
  await assert.rejects(client.getPrompt({ name: 'delegate_to_peer', arguments: { peer: 'nobody', task: 'x' } }), /No member of the mesh is named nobody/)
  await assert.rejects(client.getPrompt({ name: 'ask_documents', arguments: { question: 'x', collection: 'no-such-collection' } }), /No memory collection no-such-collection/)
  await assert.rejects(client.getPrompt({ name: 'ask_model', arguments: {} }), /question/)

  const overview = await client.getPrompt({ name: 'mesh_overview' })
  assert.match(textOf(overview.messages[0]?.content), new RegExp(alpha.peerId))
  const model = await client.getPrompt({ name: 'ask_model', arguments: { question: 'Why is the sky blue?', model: MODEL } })
  assert.match(textOf(model.messages[0]?.content), /delegate_task.*llm\.chat.*"tiny".*Why is the sky blue\?/s)
}

export async function checkCompletion (client: Client, collection: string): Promise<void> {
  const complete = async (ref: { type: 'ref/prompt', name: string } | { type: 'ref/resource', uri: string }, name: string, value: string): Promise<string[]> =>
    (await client.complete({ ref, argument: { name, value } })).completion.values
  assert.deepEqual(await complete({ type: 'ref/prompt', name: 'ask_model' }, 'model', 'ti'), [MODEL])
  assert.deepEqual(await complete({ type: 'ref/prompt', name: 'ask_model' }, 'model', 'zz'), [])
  assert.deepEqual(await complete({ type: 'ref/prompt', name: 'delegate_to_peer' }, 'peer', 'AL'), ['alpha'])
  assert.deepEqual(await complete({ type: 'ref/prompt', name: 'ask_documents' }, 'collection', collection.slice(0, 4)), [collection])
  assert.deepEqual(await complete({ type: 'ref/resource', uri: TEMPLATE }, 'collection', collection.slice(0, 4)), [collection])
  // free-text arguments do not complete; unknown prompts are an error (-32602)
  assert.deepEqual(await complete({ type: 'ref/prompt', name: 'ask_model' }, 'question', 'wh'), [])
  await assert.rejects(complete({ type: 'ref/prompt', name: 'no_such_prompt' }, 'x', ''), /-32602/)
}

export async function checkLogging (client: Client, alpha: MycelProcess): Promise<void> {
  const logs: Array<LoggingMessageNotification['params']> = []
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params) })
  const secret = 'the quarterly numbers are 42'
  await client.setLoggingLevel('info')
  const echo = await client.callTool({ name: 'delegate_task', arguments: { kind: 'echo', prompt: secret, peer: alpha.peerId } })
  assert.notEqual(echo.isError, true)
  const done = await waitFor(() => logs.find(l => (l.data as { event?: string }).event === 'task.done'), { what: 'a task.done log message' })
  assert.equal(done.level, 'info')
  assert.equal(done.logger, 'mycel')
  assert.deepEqual({ ...(done.data as Record<string, unknown>), durationMs: 0, taskId: '' }, { event: 'task.done', kind: 'echo', peer: alpha.peerId, executor: alpha.peerId, taskId: '', durationMs: 0, usage: { promptTokens: secret.length, completionTokens: secret.length } })
  // debug messages are below the level; nothing the task carried is in any of them
  assert.ok(!logs.some(l => l.level === 'debug'))
  assert.doesNotMatch(JSON.stringify(logs), /quarterly/)

  // at "warning", a task that succeeds says nothing and a refused one does; messages arrive in order
  await client.setLoggingLevel('warning')
  const seen = logs.length
  await client.callTool({ name: 'delegate_task', arguments: { kind: 'echo', prompt: 'quiet', peer: alpha.peerId } })
  const denied = await client.callTool({ name: 'delegate_task', arguments: { kind: 'echo', prompt: 'x', peer: 'somebody-else', dataClass: 'local-only' } })
  assert.equal(denied.isError, true)
  const failed = await waitFor(() => logs.slice(seen).find(l => (l.data as { event?: string }).event === 'task.failed'), { what: 'a task.failed log message' })
  assert.equal(failed.level, 'warning')
  assert.equal((failed.data as { code: string }).code, 'denied')
  assert.deepEqual(logs.slice(seen).map(l => l.level), ['warning'])
}

export async function checkOutputSchemas (client: Client): Promise<void> {
  const { tools } = await client.listTools()
  // Mycel's own tools; a mesh tool (`PROVIDER.TOOL`, e.g. code.run) has what its provider declares, maybe nothing
  for (const t of tools.filter(t => !t.name.includes('.'))) assert.equal(t.outputSchema?.type, 'object', `${t.name} declares an output schema`)
  const delegate = tools.find(t => t.name === 'delegate_task')
  assert.deepEqual([...(delegate?.outputSchema?.required ?? [])].sort(), ['executor', 'taskId'])
  assert.ok('members' in (tools.find(t => t.name === 'mesh_capabilities')?.outputSchema?.properties ?? {}))
  // the SDK client checks structuredContent against the declared schema on every call: a call that passes conforms
  const caps = await client.callTool({ name: 'mesh_capabilities', arguments: {} })
  assert.ok(Array.isArray((caps.structuredContent as { members?: unknown }).members))
}
