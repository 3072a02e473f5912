import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { codeRun, toolRegistry, type CodeRun, type ToolRegistry } from '../../node/tools/index.ts'

/** Asserts `fn` rejects with the named typed error, then that the sandbox still answers. */
async function failsCleanly (tools: CodeRun, code: string, name: string, code_: string): Promise<void> {
  await assert.rejects(tools.run(code), (err: Error & { code?: string }) => {
    assert.equal(err.name, name)
    assert.equal(err.code, code_)
    assert.doesNotMatch(err.message, /\n/, 'one clear line')
    return true
  })
  assert.deepEqual(await tools.run('6*7'), { value: 42, logs: [] }, 'the next call still works')
}

describe('tools/code-run', () => {
  let code: CodeRun
  before(async () => {
    code = codeRun({ timeoutMs: 300 })({})
    await code.start()
  })
  after(async () => { await code.stop() })

  it('returns the completion value of 6*7', async () => {
    assert.deepEqual(await code.run('6*7'), { value: 42, logs: [] })
  })

  it('captures console output, objects as JSON', async () => {
    const result = await code.run('console.log("sum", 1 + 2); console.error({ ok: true }); [1, 2].map(x => x * 2)')
    assert.deepEqual(result, { value: [2, 4], logs: ['sum 3', '{"ok":true}'] })
  })

  it('settles promises and async functions (no timers needed)', async () => {
    assert.deepEqual(await code.run('(async () => { await null; console.log("later"); return "done" })()'), { value: 'done', logs: ['later'] })
  })

  it('stops an infinite loop at the CPU cap', async () => {
    await failsCleanly(code, 'while (true) {}', 'CodeTimeoutError', 'code-timeout')
  })

  it('stops a memory bomb at the memory cap (strings, arrays and objects alike)', async () => {
    // A generous CPU cap, so the memory cap is what stops the script even on a loaded machine.
    const small = codeRun({ timeoutMs: 5000, memoryLimitBytes: 8 * 1024 * 1024 })({})
    await small.start()
    try {
      await failsCleanly(small, 'const a = []; while (true) a.push("x".repeat(100000) + a.length)', 'CodeMemoryError', 'code-memory')
      await failsCleanly(small, 'const a = []; while (true) a.push({ n: a.length })', 'CodeMemoryError', 'code-memory')
      await failsCleanly(small, 'new ArrayBuffer(1e9)', 'CodeMemoryError', 'code-memory')
    } finally {
      await small.stop()
    }
  })

  it('stops deep recursion at the stack cap', async () => {
    await failsCleanly(code, 'function f (n) { return f(n + 1) + 1 } f(0)', 'CodeStackOverflowError', 'code-stack')
  })

  it('has no way to the host: require, process, fetch, timers, import', async () => {
    for (const [script, global] of [
      ['require("node:fs").readFileSync("/etc/passwd", "utf8")', 'require'],
      ['process.exit(1)', 'process'],
      ['fetch("http://127.0.0.1:1/")', 'fetch'],
      ['setTimeout(() => {}, 10)', 'setTimeout'],
      ['import("node:fs")', 'import']
    ] as const) {
      await assert.rejects(code.run(script), (err: Error & { global?: string }) => {
        assert.equal(err.name, 'CodeHostAccessError', script)
        assert.equal(err.global, global)
        return true
      })
    }
    assert.deepEqual(await code.run('6*7'), { value: 42, logs: [] })
  })

  it('reports syntax errors, thrown errors and unsettled promises as typed errors', async () => {
    await failsCleanly(code, 'let = ;', 'CodeSyntaxError', 'code-syntax')
    await assert.rejects(code.run('1\nx +* 2'), { name: 'CodeSyntaxError', message: /line 2: unexpected token/ })
    // A script's own message that merely mentions modules is its own error, not host access.
    await failsCleanly(code, 'throw new Error("important: could not load module")', 'CodeThrewError', 'code-threw')
    await failsCleanly(code, 'throw new TypeError("bad input")', 'CodeThrewError', 'code-threw')
    await failsCleanly(code, 'JSON.parse("{")', 'CodeThrewError', 'code-threw')
    await failsCleanly(code, 'new Promise(() => {})', 'CodeUnsettledPromiseError', 'code-unsettled')
  })

  it('caps console output and the result', async () => {
    await failsCleanly(code, 'for (;;) console.log("x".repeat(1000))', 'CodeOutputTooLargeError', 'code-output-too-large')
    await failsCleanly(code, '"x".repeat(1e6)', 'CodeOutputTooLargeError', 'code-output-too-large')
  })

  it('keeps the event loop free while a script spins, and cancels through the AbortSignal', async () => {
    const controller = new AbortController()
    const spinning = code.run('while (true) {}', { timeoutMs: 5000, signal: controller.signal })
    // This timer can only fire if the loop runs elsewhere (the worker thread), not on our event loop.
    await new Promise(resolve => setTimeout(resolve, 20))
    controller.abort()
    await assert.rejects(spinning, { name: 'ToolCanceledError', code: 'canceled' })
    assert.deepEqual(await code.run('6*7'), { value: 42, logs: [] }, 'a fresh thread answers the next call')
  })

  it('queues concurrent calls and answers each', async () => {
    const results = await Promise.all([1, 2, 3].map(async n => await code.run(`${n} * 10`)))
    assert.deepEqual(results.map(r => r.value), [10, 20, 30])
  })

  it('refuses to run once stopped, and start() again brings it back', async () => {
    const other = codeRun()({})
    await other.start()
    await other.start()
    await other.stop()
    await other.stop()
    await assert.rejects(other.run('1'), { name: 'ToolProviderUnavailableError' })
    await other.start()
    assert.equal((await other.run('1 + 1')).value, 2)
    await other.stop()
  })

  it('starts every call fresh: globals do not leak between calls', async () => {
    await code.run('globalThis.secret = 1')
    assert.deepEqual(await code.run('typeof secret'), { value: 'undefined', logs: [] })
  })
})

describe('tools/code-run through the registry', () => {
  let tools: ToolRegistry
  before(async () => {
    tools = toolRegistry()({})
    await tools.add(codeRun({ timeoutMs: 300 })({}))
    await tools.start()
  })
  after(async () => { await tools.stop() })

  it('is listed as code.run with a bounded input schema', () => {
    const tool = tools.get('code.run')
    assert.ok(tool !== undefined)
    assert.equal(tool.dataClass, 'internal')
    const props = tool.inputSchema.properties as Record<string, { maxLength?: number, maximum?: number }>
    assert.equal(typeof props.code?.maxLength, 'number')
    assert.equal(typeof props.timeoutMs?.maximum, 'number')
  })

  it('answers with CallToolResult: structured content and its JSON as text', async () => {
    const result = await tools.call('code.run', { code: 'console.log("hi"); 6*7' })
    assert.deepEqual(result.structuredContent, { value: 42, logs: ['hi'] })
    assert.equal(result.isError, false)
    assert.deepEqual(result.content, [{ type: 'text', text: '{"value":42,"logs":["hi"]}' }])
  })

  it('refuses arguments that fail the schema before anything runs', async () => {
    await assert.rejects(tools.call('code.run', { code: 42 }), { name: 'InvalidToolArgumentsError', field: 'code' })
    await assert.rejects(tools.call('code.run', { code: '1', timeoutMs: 1e9 }), { name: 'InvalidToolArgumentsError', field: 'timeoutMs' })
    await assert.rejects(tools.call('code.run', {}), { name: 'InvalidToolArgumentsError', field: 'code' })
  })

  it('passes the sandbox errors through as they are', async () => {
    await assert.rejects(tools.call('code.run', { code: 'while (true) {}', timeoutMs: 100 }), { name: 'CodeTimeoutError', timeoutMs: 100 })
    assert.equal((await tools.call('code.run', { code: '1 + 1' })).structuredContent?.value, 2)
  })
})
