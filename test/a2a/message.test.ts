/**
 * How an A2A message becomes a Mycel task, and which messages are refused
 * before any task exists (with the JSON-RPC code an A2A client branches on).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Role, SendMessageRequest, type Part } from '@a2a-js/sdk'
import { toJsonRpcError } from '@a2a-js/sdk/errors'
import { messageTask } from '../../node/a2a/message.ts'
import type { TaskOffer } from '../../node/tasks/index.ts'

const offers: TaskOffer[] = [
  { kind: 'echo', models: [], tools: [], peers: ['self'] },
  { kind: 'llm.chat', models: ['tiny', 'zeta'], tools: [], peers: ['alpha'] }
]

const text = (value: string): Part => ({ content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' })
const data = (value: unknown): Part => ({ content: { $case: 'data', value }, metadata: undefined, filename: '', mediaType: 'application/json' })

function request (parts: Part[], mycel?: unknown): SendMessageRequest {
  return {
    tenant: '',
    message: { messageId: 'm', contextId: '', taskId: '', role: Role.ROLE_USER, parts, metadata: mycel !== undefined ? { mycel } : undefined, extensions: [], referenceTaskIds: [] },
    configuration: undefined,
    metadata: undefined
  }
}

const codeOf = (fn: () => unknown): number => {
  try { fn() } catch (err) { return toJsonRpcError(err).code }
  return 0
}

describe('A2A message to Mycel task', { timeout: 10_000 }, () => {
  it('runs plain text as llm.chat on the first model the mesh offers', () => {
    assert.deepEqual(messageTask(request([text('Hello'), text('mesh')]), offers), {
      kind: 'llm.chat', model: 'tiny', input: { model: 'tiny', messages: [{ role: 'user', content: 'Hello\nmesh' }] }
    })
  })

  it('takes kind, model, peer and extra input from metadata.mycel', () => {
    assert.deepEqual(messageTask(request([text('hi')], { kind: 'echo', peer: 'alpha', input: { chunks: 2 } }), offers), {
      kind: 'echo', peer: 'alpha', input: { chunks: 2, prompt: 'hi' }
    })
    assert.equal(messageTask(request([text('hi')], { model: 'zeta' }), offers).model, 'zeta')
  })

  it('reads the same metadata from the wire (ProtoJSON) as the SDK decodes it', () => {
    const wire = SendMessageRequest.fromJSON({ message: { messageId: 'm', role: 'ROLE_USER', parts: [{ text: 'q' }] }, metadata: { mycel: { kind: 'memory.search', input: { k: 3 } } } })
    assert.deepEqual(messageTask(wire, offers), { kind: 'memory.search', input: { k: 3, query: 'q' } })
  })

  it('takes a data part as the input of a kind without text', () => {
    assert.deepEqual(messageTask(request([data({ tool: 'code.run', arguments: { code: '6*7' } })], { kind: 'tool.call' }), offers), {
      kind: 'tool.call', input: { tool: 'code.run', arguments: { code: '6*7' } }
    })
  })

  it('refuses what it cannot run with -32602, and files with -32005', () => {
    assert.equal(codeOf(() => messageTask(request([]), offers)), -32602)
    assert.equal(codeOf(() => messageTask(request([text('x')], { kind: 'echo', extra: 1 }), offers)), -32602)
    assert.equal(codeOf(() => messageTask(request([text('x')], { kind: 'Not A Kind' }), offers)), -32602)
    assert.equal(codeOf(() => messageTask(request([text('x')], { kind: 'tool.call' }), offers)), -32602)
    assert.equal(codeOf(() => messageTask(request([data({})], { kind: 'echo' }), offers)), -32602)
    assert.equal(codeOf(() => messageTask(request([data([1])]), offers)), -32602)
    assert.equal(codeOf(() => messageTask(request([text('x')]), [])), -32602)
    assert.equal(codeOf(() => messageTask(request([text('x'.repeat(1024 * 1024 + 1))]), offers)), -32602)
    const file: Part = { content: { $case: 'url', value: 'https://example.com/a.pdf' }, metadata: undefined, filename: 'a.pdf', mediaType: 'application/pdf' }
    assert.equal(codeOf(() => messageTask(request([file]), offers)), -32005)
  })
})
