import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { codeRun, toolCallKind, toolDataClass, toolRegistry, type ToolCallKind, type ToolRegistry } from '../../node/tools/index.ts'
import { wireCodeOf } from '../../node/tasks/errors.ts'
import type { TaskRunContext } from '../../node/tasks/registry.ts'

const SELF = '12D3KooWSelfSelfSelfSelfSelfSelfSelfSelfSelf'
const PEER = '12D3KooWPeerPeerPeerPeerPeerPeerPeerPeerPeer'

function ctx (over: Partial<TaskRunContext> = {}): TaskRunContext {
  return { taskId: 'a'.repeat(32), from: SELF, signal: new AbortController().signal, priority: 'interactive', emit: () => {}, ...over }
}

/** Asserts a task error: its wire code, its one-line message, and the tool error it came from. */
function taskError (code: string, message: RegExp, cause?: string) {
  return (err: Error & { code?: string, cause?: Error }): boolean => {
    assert.equal(err.name, 'TaskFailedError')
    assert.equal(err.code, code)
    assert.equal(wireCodeOf(err), code)
    assert.match(err.message, message)
    assert.doesNotMatch(err.message, /\n/)
    if (cause !== undefined) assert.equal(err.cause?.name, cause)
    return true
  }
}

describe('tools/kind (tool.call)', () => {
  let tools: ToolRegistry
  let kind: ToolCallKind
  const allowed = new Set<string>()

  before(async () => {
    tools = toolRegistry()({})
    await tools.add(codeRun()({}))
    await tools.add(codeRun({ name: 'vault', dataClass: 'local-only' })({}))
    await tools.start()
    kind = toolCallKind({ tools, self: () => SELF, mayCall: (peer, tool) => allowed.has(`${peer} ${tool}`) ? { allow: true, rule: 'test' } : { allow: false, rule: 'default-deny' } })
  })
  after(async () => { await tools.stop() })

  const call = async (input: unknown, c = ctx()): Promise<unknown> => (await kind.run(kind.parseInput(input), c)).output

  it('runs code.run: 6*7 comes back as a CallToolResult', async () => {
    assert.equal(kind.kind, 'tool.call')
    assert.deepEqual(await call({ tool: 'code.run', arguments: { code: '6*7' } }), {
      content: [{ type: 'text', text: '{"value":42,"logs":[]}' }],
      isError: false,
      structuredContent: { value: 42, logs: [] }
    })
  })

  it('refuses arguments that fail the tool\'s schema at parse time, naming the field', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ tool: 'code.run', arguments: {} }, /Invalid arguments for code\.run: "code" is required/],
      [{ tool: 'code.run', arguments: { code: 5 } }, /"code" must be string/],
      [{ tool: 'code.run', arguments: { code: '1', shell: true } }, /"shell"/]
    ]
    for (const [input, message] of bad) assert.throws(() => kind.parseInput(input), { name: 'InvalidTaskInputError', message })
  })

  it('refuses a malformed input, naming the field, before the registry sees it', () => {
    const deep: Record<string, unknown> = {}
    let at = deep
    for (let i = 0; i < 100; i++) { at.x = {}; at = at.x as Record<string, unknown> }
    const bad: Array<[unknown, RegExp]> = [
      [{ tool: 'code.run' }, /arguments: expected a map/],
      [{ tool: 'code.run', arguments: [1] }, /arguments: expected a map/],
      [{ tool: 'code.run', arguments: { code: '1' }, extra: 1 }, /extra: expected no such field/],
      [{ tool: 'run', arguments: {} }, /tool: expected a string matching/],
      [{ tool: 'Code.run', arguments: {} }, /tool: expected a string matching/],
      [{ tool: 'code.run', arguments: { code: '1' }, timeoutMs: 0 }, /timeoutMs: expected an integer in 1\.\./],
      [{ tool: 'code.run', arguments: deep }, /arguments: expected nesting of at most 64/],
      ['code.run', /expected a map/]
    ]
    for (const [input, message] of bad) assert.throws(() => kind.parseInput(input), { name: 'InvalidTaskInputError', message })
  })

  it('answers an unknown tool with not-found, the UnknownToolError as cause', async () => {
    const input = kind.parseInput({ tool: 'fs.read_text_file', arguments: { path: '/etc/passwd' } })
    await assert.rejects(kind.run(input, ctx()), taskError('not-found', /Unknown tool "fs\.read_text_file"/, 'UnknownToolError'))
  })

  it('maps a failing script to its wire code, one line', async () => {
    await assert.rejects(call({ tool: 'code.run', arguments: { code: 'require("fs")' } }), taskError('denied', /`require` is not available/, 'CodeHostAccessError'))
    await assert.rejects(call({ tool: 'code.run', arguments: { code: 'while (true) {}', timeoutMs: 50 } }), taskError('timeout', /CPU limit/, 'CodeTimeoutError'))
  })

  it('stops a call when the task\'s signal aborts, and serves the next one', async () => {
    const controller = new AbortController()
    const reason = new Error('task canceled by its delegator')
    const running = call({ tool: 'code.run', arguments: { code: 'while (true) {}', timeoutMs: 5000 } }, ctx({ signal: controller.signal }))
    setImmediate(() => { controller.abort(reason) })
    await assert.rejects(running, (err) => err === reason)
    assert.deepEqual(await call({ tool: 'code.run', arguments: { code: '6*7' } }), { content: [{ type: 'text', text: '{"value":42,"logs":[]}' }], isError: false, structuredContent: { value: 42, logs: [] } })
  })

  it('bounds the result to what one task frame carries', async () => {
    const small = toolCallKind({ tools, self: () => SELF, mayCall: () => ({ allow: true, rule: 'test' }), maxOutputBytes: 1000 })
    const input = small.parseInput({ tool: 'code.run', arguments: { code: '"x".repeat(2000)' } })
    await assert.rejects(small.run(input, ctx()), taskError('too-large', /more than 1000 bytes/, 'ToolOutputTooLargeError'))
  })

  it('lets a remote peer call only a tool its policy names, and never a local-only one', async () => {
    const remote = ctx({ from: PEER })
    await assert.rejects(call({ tool: 'code.run', arguments: { code: '1' } }, remote), { name: 'PolicyDeniedError', rule: 'default-deny' })
    allowed.add(`${PEER} code.run`)
    allowed.add(`${PEER} vault.run`)
    assert.equal((await call({ tool: 'code.run', arguments: { code: '1' } }, remote) as { isError: boolean }).isError, false)
    await assert.rejects(call({ tool: 'vault.run', arguments: { code: '1' } }, remote), (err: Error & { rule?: string }) => {
      assert.equal(err.name, 'PolicyDeniedError')
      assert.equal(err.rule, 'local-only')
      assert.equal(wireCodeOf(err), 'denied')
      return true
    })
    // this node itself may call its local-only tools
    assert.equal((await call({ tool: 'vault.run', arguments: { code: '1' } }) as { isError: boolean }).isError, false)
  })

  it('gives each tool its provider\'s data class', () => {
    assert.equal(toolDataClass(tools, 'code.run'), 'internal')
    assert.equal(toolDataClass(tools, 'vault.run'), 'local-only')
    assert.equal(toolDataClass(tools, 'nope.run'), undefined)
    const input = kind.parseInput({ tool: 'vault.run', arguments: { code: '1' } })
    assert.equal(kind.toolOf(input), 'vault.run')
    assert.equal(kind.dataClassOf(input), 'local-only')
  })
})
