/**
 * The official MCP server conformance suite (`@modelcontextprotocol/conformance`,
 * its default "active" suite) against a real node's `/mcp`, reached through
 * a forwarder that adds the node's token (the suite cannot send headers).
 * Everything runs on 127.0.0.1: the suite only talks to the URL it is given.
 *
 * Most scenarios of the suite drive fixtures of the SDK's "everything"
 * server (tools `test_image_content`, `test_tool_with_progress`, prompts
 * `test_simple_prompt`, resources `test://static-text`, ...), which a Mycel
 * node does not have; docs/mcp.md lists each with why it does not apply.
 * This test pins the exact set that passes, so a regression (or a fixed
 * scenario) changes it visibly.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, REPO_ROOT, type MycelProcess } from '../helpers/harness.ts'
import { tokenProxy, type TokenProxy } from './token-proxy.ts'

const CONFORMANCE = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js')

/** Scenarios that pass against a Mycel node (docs/mcp.md: 10 of 30). */
const PASSING = [
  'dns-rebinding-protection',
  'logging-set-level',
  'ping',
  'prompts-list',
  'resources-list',
  'server-initialize',
  'server-sse-multiple-streams',
  // the two below name fixture tools; the SDK's answer for an unknown tool (an error result with text) is what they check
  'tools-call-error',
  'tools-call-simple-text',
  'tools-list'
].sort()
const SUITE_SIZE = 30

interface Check { id: string, status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED', errorMessage?: string }

describe('MCP server conformance suite against /mcp', { timeout: 300_000 }, () => {
  const h = harness({ after })
  let node: MycelProcess
  let proxy: TokenProxy
  let out: string

  before(async () => {
    node = await h.start(await h.found('acme', 'solo'))
    proxy = await tokenProxy(node.api.url, node.api.token)
    out = await h.tempDir('mycel-conformance-')
  })
  after(async () => { await proxy?.close() })

  it(`passes the ${PASSING.length} scenarios that apply to a Mycel node, of ${SUITE_SIZE}`, async () => {
    const run = await new Promise<{ code: number | null, stdout: string }>((resolve) => {
      execFile(process.execPath, [CONFORMANCE, 'server', '--url', `${proxy.url}/mcp`, '--output-dir', out], { timeout: 240_000, maxBuffer: 64 << 20 }, (err, stdout) => {
        resolve({ code: err == null ? 0 : typeof err.code === 'number' ? err.code : null, stdout })
      })
    })
    // one folder per scenario: server-<scenario>-<timestamp>/checks.json
    const results = new Map<string, Check[]>()
    for (const dir of await readdir(out)) {
      const m = /^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(dir)
      if (m == null) continue
      results.set(m[1] as string, JSON.parse(await readFile(join(out, dir, 'checks.json'), 'utf8')) as Check[])
    }
    assert.equal(results.size, SUITE_SIZE, `every scenario of the suite ran:\n${run.stdout.slice(-4000)}`)
    const passed = [...results].filter(([, checks]) => checks.length > 0 && checks.every(c => c.status !== 'FAILURE')).map(([name]) => name).sort()
    const why = [...results].filter(([name]) => PASSING.includes(name) && !passed.includes(name)).map(([name, checks]) => `${name}: ${checks.map(c => c.errorMessage).filter(Boolean).join('; ')}`)
    assert.deepEqual(passed, PASSING, why.join('\n'))
    // the node kept serving through all of it
    assert.equal((await node.get('/api/status')).peerId, node.peerId)
  })
})
