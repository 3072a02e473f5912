/**
 * The A2A door against a real two-node mesh, driven by the official
 * `@a2a-js/sdk` client: beta serves the card and the JSON-RPC endpoint and
 * has no model, so an `llm.chat` message routes over the mesh to alpha;
 * `echo` is pinned to alpha with `metadata.mycel.peer` so it too is really
 * delegated. Bad requests get JSON-RPC errors with the spec's codes, and the
 * node keeps serving after each.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicKey, randomUUID } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import OpenAI from 'openai'
import { Role, TaskState, verifyAgentCardSignature, type AgentCard, type Message, type StreamResponse, type Task } from '@a2a-js/sdk'
import { Client, ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory, createAuthenticatingFetchWithRetry } from '@a2a-js/sdk/client'
import { LegacyJsonRpcTransport } from '@a2a-js/sdk/compat/v0_3/client'
import { harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { modelMesh, MODEL } from '../openai/mesh.ts'

/** A fetch that sends the node's token, as an A2A client configured for the card's bearer scheme does. */
function bearerFetch (token: string): typeof fetch {
  return createAuthenticatingFetchWithRetry(fetch, { headers: async () => ({ authorization: `Bearer ${token}` }), shouldRetryWithHeaders: async () => undefined })
}

function userMessage (text: string, mycel?: Record<string, unknown>): Message {
  return {
    messageId: randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER,
    parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
    metadata: mycel != null ? { mycel } : undefined, extensions: [], referenceTaskIds: []
  }
}

const send = (message: Message, returnImmediately = false): Parameters<Client['sendMessage']>[0] => ({
  tenant: '', message, metadata: undefined,
  configuration: { acceptedOutputModes: ['text/plain'], taskPushNotificationConfig: undefined, returnImmediately }
})

/** The text of a task's output artifact. */
function outputText (task: Task): string {
  return (task.artifacts.find(a => a.artifactId === 'output')?.parts ?? []).map(p => p.content?.$case === 'text' ? p.content.value : '').join('')
}

/** Text streamed as artifact updates, honouring `append: false` (a fresh artifact). */
function streamedText (events: StreamResponse[]): string {
  let text = ''
  for (const e of events) {
    if (e.payload?.$case !== 'artifactUpdate') continue
    const piece = (e.payload.value.artifact?.parts ?? []).map(p => p.content?.$case === 'text' ? p.content.value : '').join('')
    text = e.payload.value.append ? text + piece : piece
  }
  return text
}

describe('A2A over a two-node mesh', { timeout: 240_000 }, () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let client: Client
  let rpcUrl: string

  before(async () => {
    const mesh = await modelMesh(h, 1)
    alpha = mesh.alpha
    beta = mesh.others[0] as MycelProcess
    rpcUrl = `${beta.api.url}/a2a`
    const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl: bearerFetch(beta.api.token) })]
    }))
    client = await factory.createFromUrl(beta.api.url)
  })

  /** Raw JSON-RPC, for what an SDK client would never send. */
  async function rpc (body: unknown, headers: Record<string, string> = {}): Promise<{ status: number, json: any }> {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${beta.api.token}`, 'content-type': 'application/json', 'a2a-version': '1.0', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body)
    })
    return { status: res.status, json: await res.json() }
  }

  it('serves an agent card whose skills are what the mesh offers, signed with the node key', async () => {
    const res = await fetch(`${beta.api.url}/.well-known/agent-card.json`)
    assert.equal(res.status, 200)
    const card = await res.json() as AgentCard & { skills: Array<{ id: string, tags: string[] }>, supportedInterfaces: Array<{ url: string, protocolVersion: string }> }
    assert.equal(card.name, 'Mycel node beta')
    assert.deepEqual(card.supportedInterfaces.map(i => [i.url, i.protocolVersion]), [[rpcUrl, '1.0'], [rpcUrl, '0.3']])
    const skills = new Map(card.skills.map(s => [s.id, s]))
    // beta has no model: llm.chat is there because alpha offers it and beta's policy lets beta send it
    assert.ok(skills.get('llm.chat')?.tags.includes(`model:${MODEL}`))
    assert.ok(skills.has('echo'))
    // the card verifies with the Ed25519 key beta's peer id encodes
    const raw = peerIdFromString(beta.peerId).publicKey?.raw
    assert.ok(raw != null)
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' })
    const verify = verifyAgentCardSignature(async (kid) => { assert.equal(kid, beta.peerId); return key })
    await verify(card)
    await assert.rejects(verify({ ...card, name: 'Mycel node mallory' }))
    // alpha's key does not verify beta's card
    const alphaRaw = peerIdFromString(alpha.peerId).publicKey?.raw as Uint8Array
    const alphaKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(alphaRaw).toString('base64url') }, format: 'jwk' })
    await assert.rejects(verifyAgentCardSignature(async () => alphaKey)(card))
  })

  it('streams a chat task run by alpha, equal to the same request through OpenAI on alpha', async () => {
    const events: StreamResponse[] = []
    for await (const e of client.sendMessageStream(send(userMessage('Hello mesh', { input: { maxTokens: 12, temperature: 0 } })))) events.push(e)
    assert.equal(events[0]?.payload?.$case, 'task')
    const last = events.at(-1)?.payload
    assert.equal(last?.$case, 'statusUpdate')
    assert.equal(last?.$case === 'statusUpdate' ? last.value.status?.state : undefined, TaskState.TASK_STATE_COMPLETED)
    const working = events.find(e => e.payload?.$case === 'statusUpdate' && e.payload.value.status?.state === TaskState.TASK_STATE_WORKING)
    assert.equal(working?.payload?.$case === 'statusUpdate' ? working.payload.value.metadata?.mycel?.executor : undefined, alpha.peerId)
    const text = streamedText(events)
    assert.ok(events.filter(e => e.payload?.$case === 'artifactUpdate').length > 1, 'several pieces of text')
    // greedy decoding is deterministic: alpha's OpenAI API gives the same text
    const openai = new OpenAI({ baseURL: `${alpha.api.url}/v1`, apiKey: alpha.api.token, maxRetries: 0 })
    const local = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello mesh' }], max_tokens: 12, temperature: 0 })
    assert.equal(text, local.choices[0]?.message.content)

    // tasks/get: the stored task says the same, with the user's message and who ran it
    const taskId = events[0]?.payload?.$case === 'task' ? events[0].payload.value.id : ''
    const task = await client.getTask({ tenant: '', id: taskId })
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED)
    assert.equal(outputText(task), text)
    assert.equal(task.metadata?.mycel?.executor, alpha.peerId)
    assert.equal(task.metadata?.mycel?.kind, 'llm.chat')
    assert.equal(task.history[0]?.parts[0]?.content?.$case === 'text' ? task.history[0].parts[0].content.value : '', 'Hello mesh')
    // beta delegated it: its router's record names alpha
    const sent = (await beta.get<Array<{ taskId: string, executor: string, role: string }>>('/api/tasks')).find(t => t.taskId === task.metadata?.mycel?.taskId)
    assert.equal(sent?.executor, alpha.peerId)
  })

  it('answers a blocking message with the completed task, exactly echoed by alpha', async () => {
    const res = await client.sendMessage(send(userMessage('ping over the mesh', { kind: 'echo', peer: alpha.peerId, input: { chunks: 4 } })))
    assert.ok('id' in res)
    const task = res as Task
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED)
    assert.equal(outputText(task), 'ping over the mesh')
    assert.equal(task.metadata?.mycel?.executor, alpha.peerId)
  })

  it('cancels a long task on the executor, and the task says canceled', async () => {
    const prompt = 'x'.repeat(200)
    const started = await client.sendMessage(send(userMessage(prompt, { kind: 'echo', peer: alpha.peerId, input: { chunks: 200, delayMs: 200 } }), true)) as Task
    assert.ok(started.id !== '')
    // wait until alpha runs it, so the cancel really crosses the mesh
    await waitFor(async () => (await client.getTask({ tenant: '', id: started.id })).artifacts.length > 0, { what: 'first output of the long task', timeoutMs: 30_000 })
    const canceled = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined })
    assert.equal(canceled.status?.state, TaskState.TASK_STATE_CANCELED)
    const after = await client.getTask({ tenant: '', id: started.id })
    assert.equal(after.status?.state, TaskState.TASK_STATE_CANCELED)
    assert.ok(outputText(after).length < prompt.length)
    // alpha, the executor, stopped it too
    await waitFor(async () => (await alpha.get<Array<{ kind: string, state: string, role: string }>>('/api/tasks')).some(t => t.role === 'executor' && t.kind === 'echo' && t.state === 'canceled'), { what: 'alpha to cancel its echo', timeoutMs: 30_000 })
    // a finished task cannot be canceled again (spec: TaskNotCancelableError is for terminal states; canceled returns the task)
    const again = await client.cancelTask({ tenant: '', id: started.id, metadata: undefined })
    assert.equal(again.status?.state, TaskState.TASK_STATE_CANCELED)
  })

  it('resubscribes to a running task and sees it to the end', async () => {
    const prompt = 'resubscribe me please'
    const stream = client.sendMessageStream(send(userMessage(prompt, { kind: 'echo', peer: alpha.peerId, input: { chunks: prompt.length, delayMs: 50 } })))
    const first = await stream.next()
    const taskId = first.value?.payload?.$case === 'task' ? first.value.payload.value.id : ''
    await stream.return(undefined)
    const events: StreamResponse[] = []
    for await (const e of client.resubscribeTask({ tenant: '', id: taskId })) events.push(e)
    const last = events.at(-1)?.payload
    assert.equal(last?.$case === 'statusUpdate' ? last.value.status?.state : undefined, TaskState.TASK_STATE_COMPLETED)
    assert.equal(outputText(await client.getTask({ tenant: '', id: taskId })), prompt)
  })

  it('speaks the v0.3 method names too (message/send, tasks/get)', async () => {
    const card = await client.getAgentCard()
    const legacy = new Client(new LegacyJsonRpcTransport({ endpoint: rpcUrl, fetchImpl: bearerFetch(beta.api.token) }), card)
    const task = await legacy.sendMessage(send(userMessage('old client', { kind: 'echo', peer: alpha.peerId }))) as Task
    assert.equal(task.status?.state, TaskState.TASK_STATE_COMPLETED)
    assert.equal(outputText(task), 'old client')
    assert.equal(outputText(await legacy.getTask({ tenant: '', id: task.id })), 'old client')
    // and on the wire they are the v0.3 names
    const raw = await rpc({ jsonrpc: '2.0', id: 7, method: 'tasks/get', params: { id: task.id } }, { 'a2a-version': '' })
    assert.equal(raw.json.id, 7)
    assert.equal(raw.json.result.id, task.id)
    assert.equal(raw.json.result.status.state, 'completed')
  })

  it('ends a refused task as rejected with the reason, not a silent failure', async () => {
    const task = await client.sendMessage(send(userMessage('hi', { kind: 'echo', peer: '12D3KooWNotAMemberNotAMemberNotAMemberNotAMember1' }))) as Task
    assert.equal(task.status?.state, TaskState.TASK_STATE_REJECTED)
    assert.equal(task.metadata?.mycel?.code, 'no-candidate')
    const why = task.status?.message?.parts[0]?.content
    assert.match(why?.$case === 'text' ? why.value : '', /not a member/)
  })

  it('answers bad requests with JSON-RPC errors and keeps serving', async () => {
    const noToken = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    assert.equal(noToken.status, 401)
    const unauthorized = await noToken.json() as { jsonrpc: string, error: { code: number, data: Array<{ reason: string }> } }
    assert.equal(unauthorized.jsonrpc, '2.0')
    assert.equal(unauthorized.error.data[0]?.reason, 'INVALID_API_KEY')

    const notJson = await rpc('{"jsonrpc": "2.0", ')
    assert.equal(notJson.status, 400)
    assert.equal(notJson.json.error.code, -32700)

    assert.equal((await rpc([1, 2])).json.error.code, -32602)
    assert.equal((await rpc({ jsonrpc: '2.0', id: 1, method: 'NoSuchMethod', params: {} })).json.error.code, -32601)
    const missing = await rpc({ jsonrpc: '2.0', id: 2, method: 'GetTask', params: { id: 'no-such-task' } })
    assert.equal(missing.json.id, 2)
    assert.equal(missing.json.error.code, -32001)
    const noParts = await rpc({ jsonrpc: '2.0', id: 3, method: 'SendMessage', params: { message: { messageId: 'm1', role: 'ROLE_USER', parts: [] } } })
    assert.equal(noParts.json.error.code, -32602)
    const badMeta = await rpc({ jsonrpc: '2.0', id: 4, method: 'SendMessage', params: { message: { messageId: 'm2', role: 'ROLE_USER', parts: [{ text: 'hi' }], metadata: { mycel: { kind: 'echo', sneaky: true } } } } })
    assert.equal(badMeta.json.error.code, -32602)
    assert.match(badMeta.json.error.message, /sneaky/)
    const file = await rpc({ jsonrpc: '2.0', id: 5, method: 'SendMessage', params: { message: { messageId: 'm3', role: 'ROLE_USER', parts: [{ url: 'file:///etc/passwd' }] } } })
    assert.equal(file.json.error.code, -32005)
    const version = await rpc({ jsonrpc: '2.0', id: 6, method: 'GetTask', params: { id: 'x' } }, { 'a2a-version': '9.9' })
    assert.equal(version.json.error.code, -32009)
    const wrongType = await rpc('{}', { 'content-type': 'text/plain' })
    assert.equal(wrongType.json.error.code, -32005)
    const push = await rpc({ jsonrpc: '2.0', id: 8, method: 'CreateTaskPushNotificationConfig', params: { taskId: 'x', url: 'http://127.0.0.1:1/hook' } })
    assert.equal(push.json.error.code, -32003)
    const big = await fetch(rpcUrl, { method: 'POST', headers: { authorization: `Bearer ${beta.api.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }) })
    assert.equal(big.status, 413)
    assert.equal(((await big.json()) as { jsonrpc: string }).jsonrpc, '2.0')

    // still serving
    const ok = await client.sendMessage(send(userMessage('still here', { kind: 'echo' })))
    assert.equal(outputText(ok as Task), 'still here')
  })

  it('ran every task above without the SDK reporting a broken event stream or a leaked token', () => {
    assert.doesNotMatch(beta.stderr, /ResultManager|execution failed|Event processing loop failed|Error during SSE/)
    assert.ok(!beta.stderr.includes(beta.api.token))
  })
})
