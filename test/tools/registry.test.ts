import { afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { checkSchema, toolRegistry, type ToolProvider, type ToolRegistry, type ToolResult, type ToolSpec } from '../../node/tools/index.ts'

const LIMITS = { maxBytes: 64 * 1024, maxDepth: 32 }
const text = (t: string): ToolResult => ({ content: [{ type: 'text', text: t }], isError: false })

/** A provider stub: lists what it is given and records what it was asked to run. */
function stub (tools: ToolSpec[], run: (tool: string, args: Record<string, unknown>, signal: AbortSignal) => Promise<unknown> = async () => text('ok')) {
  const calls: Array<{ tool: string, args: Record<string, unknown> }> = []
  const provider: ToolProvider = {
    name: 'stub',
    dataClass: 'confidential',
    start: async () => {},
    stop: async () => {},
    listTools: async () => tools,
    callTool: async (tool, args, { signal }) => { calls.push({ tool, args }); return await run(tool, args, signal) as ToolResult }
  }
  return { provider, calls }
}

const echo: ToolSpec = {
  name: 'echo',
  description: 'echoes',
  inputSchema: { type: 'object', properties: { text: { type: 'string', maxLength: 10 }, opts: { type: 'object', properties: { n: { type: 'integer' } } } }, required: ['text'], additionalProperties: false }
}

describe('tools/registry', () => {
  let registry: ToolRegistry | undefined
  afterEach(async () => { await registry?.stop(); registry = undefined })

  async function withTools (tools: ToolSpec[], run?: Parameters<typeof stub>[1], init = {}) {
    const s = stub(tools, run)
    registry = toolRegistry(init)({})
    await registry.add(s.provider)
    await registry.start()
    return s
  }

  it('lists tools as PROVIDER.TOOL with the provider\'s data class', async () => {
    await withTools([echo])
    assert.deepEqual(registry?.list().map(t => [t.name, t.provider, t.tool, t.dataClass]), [['stub.echo', 'stub', 'echo', 'confidential']])
  })

  it('refuses arguments that fail the schema, naming the field, before the provider sees them', async () => {
    const { calls } = await withTools([echo])
    await assert.rejects(registry!.call('stub.echo', {}), { name: 'InvalidToolArgumentsError', code: 'invalid-arguments', field: 'text', message: 'Invalid arguments for stub.echo: "text" is required' })
    await assert.rejects(registry!.call('stub.echo', { text: 5 }), { name: 'InvalidToolArgumentsError', field: 'text' })
    await assert.rejects(registry!.call('stub.echo', { text: 'a', opts: { n: 'x' } }), { name: 'InvalidToolArgumentsError', field: 'opts/n' })
    await assert.rejects(registry!.call('stub.echo', { text: 'a', extra: 1 }), { name: 'InvalidToolArgumentsError', field: 'extra' })
    await assert.rejects(registry!.call('stub.echo', [1]), { name: 'InvalidToolArgumentsError', field: '' })
    assert.equal(calls.length, 0, 'nothing ran')
    assert.deepEqual(await registry!.call('stub.echo', { text: 'hi' }), text('ok'))
    assert.deepEqual(calls, [{ tool: 'echo', args: { text: 'hi' } }])
  })

  it('answers an unknown tool with a typed error', async () => {
    await withTools([echo])
    for (const name of ['stub.nope', 'other.echo', 'echo', '']) {
      await assert.rejects(registry!.call(name, {}), { name: 'UnknownToolError', code: 'unknown-tool' })
    }
  })

  it('refuses a huge schema and a schema that loops on itself; keeps the provider\'s other tools', async () => {
    const properties: Record<string, unknown> = {}
    for (let i = 0; i < 5000; i++) properties[`field${i}`] = { type: 'string', description: 'x'.repeat(20) }
    const huge: ToolSpec = { name: 'huge', inputSchema: { type: 'object', properties } }
    const selfLoop: ToolSpec = { name: 'loop', inputSchema: { type: 'object', $ref: '#' } }
    const defsLoop: ToolSpec = { name: 'loop2', inputSchema: { type: 'object', allOf: [{ $ref: '#/$defs/a' }], $defs: { a: { anyOf: [{ $ref: '#/$defs/b' }] }, b: { $ref: '#/$defs/a' } } } }
    const remote: ToolSpec = { name: 'remote', inputSchema: { type: 'object', properties: { x: { $ref: 'https://example.com/schema.json' } } } }
    let deep: Record<string, unknown> = { type: 'string' }
    for (let i = 0; i < 100; i++) deep = { type: 'object', properties: { a: deep } }
    const tooDeep: ToolSpec = { name: 'deep', inputSchema: deep }
    const s = stub([echo, huge, selfLoop, defsLoop, remote, tooDeep])
    registry = toolRegistry()({})
    await registry.add(s.provider)
    await registry.start()
    const report = await registry.refresh('stub')
    assert.deepEqual(report.tools, ['stub.echo'])
    assert.deepEqual(report.refused.map(r => r.tool), ['stub.huge', 'stub.loop', 'stub.loop2', 'stub.remote', 'stub.deep'])
    assert.match(report.refused[0]!.reason, /bytes, more than 65536/)
    assert.match(report.refused[1]!.reason, /refers back to itself/)
    assert.match(report.refused[3]!.reason, /only local \$refs/)
    assert.match(report.refused[4]!.reason, /deeper than 32/)
    await assert.rejects(registry.call('stub.loop', {}), { name: 'UnknownToolError' })
  })

  it('accepts a recursive schema that descends, and validates deep data without hanging', async () => {
    const tree: ToolSpec = {
      name: 'tree',
      inputSchema: { type: 'object', properties: { root: { $ref: '#/$defs/node' } }, required: ['root'], $defs: { node: { type: 'object', properties: { label: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['label'] } } }
    }
    const { calls } = await withTools([tree])
    let node: Record<string, unknown> = { label: 'leaf' }
    for (let i = 0; i < 20; i++) node = { label: `n${i}`, children: [node] }
    await registry!.call('stub.tree', { root: node })
    let bad: Record<string, unknown> = { nolabel: true }
    for (let i = 0; i < 3; i++) bad = { label: 'x', children: [bad] }
    await assert.rejects(registry!.call('stub.tree', { root: bad }), { name: 'InvalidToolArgumentsError', field: 'root/children/0/children/0/children/0/label' })
    let tooDeep: Record<string, unknown> = { label: 'leaf' }
    for (let i = 0; i < 100; i++) tooDeep = { label: 'x', children: [tooDeep] }
    await assert.rejects(registry!.call('stub.tree', { root: tooDeep }), { name: 'InvalidToolArgumentsError', message: /nest deeper than 64/ })
    assert.equal(calls.length, 1)
  })

  it('refuses a provider offering more tools than the bound', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ ...echo, name: `t${i}` }))
    const s = stub(many)
    registry = toolRegistry({ maxToolsPerProvider: 4 })({})
    await registry.add(s.provider)
    await registry.start() // one provider's refused list does not fail the start
    assert.deepEqual(registry.list(), [])
    await assert.rejects(registry.refresh('stub'), { name: 'InvalidToolDefinitionError', message: /offers 5 tools, more than 4/ })
  })

  it('refuses output over the bound with a typed error (not a cut result)', async () => {
    await withTools([echo], async () => text('x'.repeat(2048)), { maxOutputBytes: 1024 })
    await assert.rejects(registry!.call('stub.echo', { text: 'a' }), { name: 'ToolOutputTooLargeError', code: 'output-too-large', maxBytes: 1024 })
  })

  it('refuses a result that is not a CallToolResult, and structured output that fails the output schema', async () => {
    const typed: ToolSpec = { ...echo, name: 'typed', outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } }
    let answer: unknown = { content: 'nope' }
    await withTools([echo, typed], async () => answer)
    await assert.rejects(registry!.call('stub.echo', { text: 'a' }), { name: 'InvalidToolOutputError' })
    answer = { content: [{ type: 'text', text: '{}' }], structuredContent: { n: 'one' } }
    await assert.rejects(registry!.call('stub.typed', { text: 'a' }), { name: 'InvalidToolOutputError', message: /"n" must be number/ })
    answer = { content: [{ type: 'text', text: '{"n":1}' }], structuredContent: { n: 1 } }
    assert.deepEqual((await registry!.call('stub.typed', { text: 'a' })).structuredContent, { n: 1 })
  })

  it('times out a call that never answers and tells the provider through its signal', async () => {
    let providerSignal: AbortSignal | undefined
    await withTools([echo], async (_tool, _args, signal) => { providerSignal = signal; return await new Promise(() => {}) })
    await assert.rejects(registry!.call('stub.echo', { text: 'a' }, { timeoutMs: 50 }), { name: 'ToolTimeoutError', code: 'timeout', timeoutMs: 50 })
    assert.equal(providerSignal?.aborted, true)
  })

  it('cancels through the caller\'s AbortSignal', async () => {
    await withTools([echo], async () => await new Promise(() => {}))
    const controller = new AbortController()
    const call = registry!.call('stub.echo', { text: 'a' }, { signal: controller.signal })
    controller.abort()
    await assert.rejects(call, { name: 'ToolCanceledError', code: 'canceled' })
    await assert.rejects(registry!.call('stub.echo', { text: 'a' }, { signal: controller.signal }), { name: 'ToolCanceledError' })
  })

  it('wraps a provider\'s own exception in ToolProviderError', async () => {
    await withTools([echo], async () => { throw new Error('socket hang up') })
    await assert.rejects(registry!.call('stub.echo', { text: 'a' }), { name: 'ToolProviderError', code: 'provider-error', message: /socket hang up/ })
  })

  it('refuses a second provider of the same name and a bad provider name', async () => {
    registry = toolRegistry()({})
    await registry.add(stub([echo]).provider)
    await assert.rejects(registry.add(stub([echo]).provider), { name: 'ToolProviderExistsError' })
    await assert.rejects(registry.add({ ...stub([echo]).provider, name: 'has.dot' }), { name: 'InvalidToolDefinitionError' })
  })

  it('drops a provider whose start fails when it is added to a running registry', async () => {
    registry = toolRegistry()({})
    await registry.start()
    await assert.rejects(registry.add({ ...stub([echo]).provider, start: async () => { throw new Error('no such binary') } }), /no such binary/)
    await registry.add(stub([echo]).provider)
    assert.deepEqual(registry.list().map(t => t.name), ['stub.echo'])
  })

  it('tells listeners when the tools on offer change: listed, relisted, removed', async () => {
    let listed: ToolSpec[] = [echo]
    let changed: (() => void) | undefined
    const s = stub([])
    const provider: ToolProvider = { ...s.provider, listTools: async () => listed, onToolsChanged: (l) => { changed = l; return () => { changed = undefined } } }
    registry = toolRegistry()({})
    const seen: string[][] = []
    const unsubscribe = registry.onChange(() => { seen.push(registry!.list().map(t => t.name)) })
    await registry.add(provider)
    await registry.start()
    listed = [echo, { ...echo, name: 'echo2' }]
    changed?.()
    await registry.refresh('stub') // waits for the relist the notification started
    await registry.remove('stub')
    assert.deepEqual(seen.slice(0, 1), [['stub.echo']])
    assert.deepEqual(seen.at(-2), ['stub.echo', 'stub.echo2'])
    assert.deepEqual(seen.at(-1), [])
    unsubscribe()
    const calls = seen.length
    await registry.add(stub([echo]).provider)
    assert.equal(registry.list().length, 1)
    assert.equal(seen.length, calls, 'no call after unsubscribe')
  })

    it('start() and stop() are idempotent', async () => {
    await withTools([echo])
    await registry!.start()
    await registry!.stop()
    await registry!.stop()
    assert.deepEqual(registry!.list(), [])
  })

  it('checkSchema demands an object schema, as MCP does', () => {
    assert.throws(() => checkSchema('t', { type: 'string' }, LIMITS), { name: 'InvalidToolDefinitionError' })
    assert.throws(() => checkSchema('t', [], LIMITS), { name: 'InvalidToolDefinitionError' })
    assert.doesNotThrow(() => checkSchema('t', { type: 'object', $schema: 'https://json-schema.org/draft/2020-12/schema' }, LIMITS))
  })
})
