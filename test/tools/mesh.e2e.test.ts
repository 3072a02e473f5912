/**
 * Tools on the mesh, between two real `mycel start` processes: beta offers
 * a real `@modelcontextprotocol/server-filesystem` (and a local-only copy on
 * a secret folder, a misbehaving server, and one with bad schemas); alpha
 * calls them with `mycel tool call` and the API, and through its MCP door
 * with the SDK's client. Policy decides on both sides, both sides audit,
 * bad input gets a typed error and beta keeps serving.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { CLI_BIN, childEnv, harness, REPO_ROOT, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { homePaths } from '../../node/home/home.ts'

const FS_SERVER = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js')
const MISBEHAVING = resolve(REPO_ROOT, 'test/tools/fixtures/misbehaving-server.ts')
const SCHEMAS = resolve(REPO_ROOT, 'test/tools/fixtures/schema-server.ts')
const DOC_TEXT = 'Beta keeps the runbook here.\n'
const SECRET_TEXT = 'the vault combination is 12-34-56\n'

/** The founder's policy plus one rule: members may call these tools (and nothing else), both ways. */
async function writePolicy (home: string, tools: string[]): Promise<void> {
  const file = JSON.parse(formatPolicy(defaultFounderPolicy()))
  file.rules.push({ id: 'members-tools', effect: 'allow', groups: ['members'], kinds: ['tool.call'], models: [], tools, collections: [], classes: ['public', 'internal', 'confidential'], direction: 'both' })
  await writeFile(homePaths(home).policy, JSON.stringify(file, null, 2))
}

interface AuditJson { type: string, peer?: string, task?: string, data?: Record<string, unknown> }

describe('tools on the mesh', { timeout: 600_000 }, () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let docs: string
  let secret: string

  before(async () => {
    const alphaHome = await h.found('acme', 'alpha', { inProcess: true })
    await writePolicy(alphaHome, ['fs.*', 'secret.*', 'bad.*', 'code.run', 'nope.*'])
    alpha = await h.start(alphaHome)
    const betaHome = await h.join(await h.invite(alpha, { inProcess: true }), 'beta', { inProcess: true })
    // beta's rule does not name fs.list_directory
    await writePolicy(betaHome, ['fs.read_text_file', 'secret.*', 'bad.*', 'code.run'])
    docs = await h.tempDir('mycel-docs-')
    secret = await h.tempDir('mycel-secret-')
    await writeFile(join(docs, 'runbook.md'), DOC_TEXT)
    await writeFile(join(secret, 'vault.md'), SECRET_TEXT)
    await h.ok(betaHome, ['tools', 'add', 'fs', '--', process.execPath, FS_SERVER, docs], { inProcess: true })
    await h.ok(betaHome, ['tools', 'add', 'secret', '--class', 'local-only', '--', process.execPath, FS_SERVER, secret], { inProcess: true })
    await h.ok(betaHome, ['tools', 'add', 'bad', '--', process.execPath, MISBEHAVING], { inProcess: true })
    await h.ok(betaHome, ['tools', 'add', 'weird', '--', process.execPath, SCHEMAS], { inProcess: true })
    beta = await h.start(betaHome)
    // alpha holds beta's card once it lists the filesystem tools
    await waitFor(async () => (await alpha.get<Array<{ name: string, node: string }>>('/api/tools')).some(t => t.name === 'fs.read_text_file' && t.node === beta.peerId), { timeoutMs: 60_000, what: 'beta\'s tools in alpha\'s view' })
  })

  const audit = async (node: MycelProcess): Promise<AuditJson[]> => await node.get<AuditJson[]>('/api/audit/tail?n=1000')
  const call = async (node: MycelProcess, body: Record<string, unknown>): Promise<{ status: number, body: any }> => await node.request('POST', '/api/tools/call', { body })

  it('a member calls a filesystem tool living on another member and gets the file\'s text, audited on both sides', async () => {
    const path = join(docs, 'runbook.md')
    const res = await h.cli(alpha.home, ['tool', 'call', 'fs.read_text_file', '--args', JSON.stringify({ path })])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stdout.trim(), DOC_TEXT.trim())
    assert.match(res.stderr, new RegExp(`ran on ${beta.peerId}`))

    const mine = (await audit(alpha)).filter(e => e.type === 'tool.call' && e.data?.tool === 'fs.read_text_file')
    const theirs = (await audit(beta)).filter(e => e.type === 'tool.call' && e.data?.tool === 'fs.read_text_file')
    const caller = mine.at(-1)
    const provider = theirs.find(e => e.task === caller?.task)
    assert.ok(caller != null && provider != null, 'both sides wrote the call')
    assert.equal(caller.data?.side, 'caller')
    assert.equal(provider.data?.side, 'provider')
    assert.equal(provider.data?.rule, 'members-tools')
    assert.equal(provider.data?.allow, true)
    // the same arguments and the same result, digested on each side; the text itself is in neither log
    assert.equal(caller.data?.arguments, provider.data?.arguments)
    assert.equal(caller.data?.result, provider.data?.result)
    assert.ok(!JSON.stringify([...mine, ...theirs]).includes('runbook'), 'no path or text in the audit log')
  })

  it('a tool no rule of the provider names is denied, and the denial is audited on the provider', async () => {
    const res = await call(alpha, { tool: 'fs.list_directory', arguments: { path: docs }, peer: beta.peerId })
    assert.equal(res.status, 403)
    assert.equal(res.body.error.wire, 'denied')
    const denied = (await audit(beta)).filter(e => e.type === 'policy.decision' && e.data?.tool === 'fs.list_directory')
    assert.ok(denied.length > 0 && denied.every(e => e.data?.allow === false && e.data?.rule === 'default-deny' && e.peer === alpha.peerId), JSON.stringify(denied))
    // without --peer the router tries beta (its card offers the tool) and is refused the same way
    const routed = await h.cli(alpha.home, ['tool', 'call', 'fs.list_directory', '--args', JSON.stringify({ path: docs })])
    assert.notEqual(routed.code, 0)
    assert.match(routed.stderr, /denied/i)
  })

  it('a local-only tool is not on the card, its output never reaches another node, and it still serves its own node', async () => {
    const seen = await alpha.get<Array<{ name: string }>>('/api/tools')
    assert.equal(seen.some(t => t.name.startsWith('secret.')), false)
    const card = (await alpha.caps()).find(c => c.peerId === beta.peerId) as unknown as { tools: string[] }
    assert.ok(card.tools.includes('fs.read_text_file') && !card.tools.some(t => t.startsWith('secret.')), JSON.stringify(card.tools))

    const res = await call(alpha, { tool: 'secret.read_text_file', arguments: { path: join(secret, 'vault.md') }, peer: beta.peerId })
    assert.equal(res.status, 403)
    assert.ok(!JSON.stringify(res.body).includes('vault combination'))
    const decision = (await audit(beta)).filter(e => e.type === 'policy.decision' && e.data?.tool === 'secret.read_text_file').at(-1)
    assert.equal(decision?.data?.allow, false)
    assert.equal(decision?.data?.rule, 'local-only')

    const local = await h.cli(beta.home, ['tool', 'call', 'secret.read_text_file', '--local', '--args', JSON.stringify({ path: join(secret, 'vault.md') })])
    assert.equal(local.code, 0, local.stderr)
    assert.equal(local.stdout.trim(), SECRET_TEXT.trim())
  })

  it('code.run on another member: 6*7 is 42; a loop, a memory bomb and host access fail typed while it keeps serving', async () => {
    const run = async (code: string): Promise<{ status: number, body: any }> => await call(alpha, { tool: 'code.run', arguments: { code }, peer: beta.peerId })
    const ok = await run('6*7')
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.deepEqual(ok.body.result.structuredContent, { value: 42, logs: [] })
    assert.equal(ok.body.executor, beta.peerId)
    for (const [code, wire] of [
      ['for (;;) {}', 'timeout'],
      ['const a = []; for (;;) a.push("x".repeat(1e5))', 'too-large'],
      ['require("node:fs").readFileSync("/etc/passwd", "utf8")', 'denied'],
      ['process.exit(1)', 'denied'],
      ['fetch("http://127.0.0.1:1/")', 'denied']
    ] as const) {
      const res = await run(code)
      assert.equal(res.body.error?.wire, wire, `${code}: ${JSON.stringify(res.body)}`)
      assert.doesNotMatch(res.body.error.message, /\n/)
      // beta still serves: an echo task and the sandbox again
      const echo = await alpha.post<unknown>('/api/tasks', { kind: 'echo', input: { prompt: 'still here' }, peer: beta.peerId })
      assert.match(JSON.stringify(echo), /still here/)
    }
    assert.deepEqual((await run('6*7')).body.result.structuredContent, { value: 42, logs: [] })
  })

  it('a tool.call sent as a plain task (as the A2A door does) is routed and decided on the tool its input names', async () => {
    const events = await alpha.post<unknown>('/api/tasks', { kind: 'tool.call', input: { tool: 'fs.read_text_file', arguments: { path: join(docs, 'runbook.md') } } })
    assert.match(JSON.stringify(events), /Beta keeps the runbook here/)
    const refused = await alpha.request('POST', '/api/tasks', { body: { kind: 'tool.call', input: { tool: 'fs.list_directory', arguments: { path: docs } }, peer: beta.peerId } })
    assert.equal(refused.status, 403)
  })

  it('bad input: arguments off the schema, an unknown tool, a crash, a hang, 100 MB and bad schemas each get a typed error', async () => {
    const sent = async (): Promise<number> => (await audit(alpha)).filter(e => e.type === 'task.sent' && e.data?.tool === 'fs.read_text_file').length
    const sentBefore = await sent()
    const bad = await call(alpha, { tool: 'fs.read_text_file', arguments: { path: 5 }, peer: beta.peerId })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.wire, 'malformed')
    assert.match(bad.body.error.message, /"path"/)
    assert.equal(await sent(), sentBefore, 'nothing was sent for the refused call')

    const unknown = await call(alpha, { tool: 'nope.nothing', arguments: {} })
    assert.equal(unknown.body.error.wire, 'no-candidate')

    const died = await call(alpha, { tool: 'bad.die', arguments: {}, peer: beta.peerId })
    assert.equal(died.body.error.wire, 'unavailable')
    // restarted: it answers again
    await waitFor(async () => (await call(alpha, { tool: 'bad.echo', arguments: { text: 'back' }, peer: beta.peerId })).body.result?.content?.[0]?.text === 'back', { timeoutMs: 30_000, what: 'bad to be restarted' })

    const hung = await call(alpha, { tool: 'bad.hang', arguments: {}, peer: beta.peerId, timeoutMs: 1000 })
    assert.equal(hung.body.error.wire, 'timeout')

    const flood = await call(alpha, { tool: 'bad.flood', arguments: { bytes: 100_000_000 }, peer: beta.peerId })
    assert.ok(['too-large', 'unavailable'].includes(flood.body.error?.wire), JSON.stringify(flood.body).slice(0, 300))
    await waitFor(async () => (await call(alpha, { tool: 'bad.echo', arguments: { text: 'after' }, peer: beta.peerId })).body.result?.content?.[0]?.text === 'after', { timeoutMs: 30_000, what: 'bad to serve after the flood' })

    const listed = (await beta.get<Array<{ name: string }>>('/api/tools')).map(t => t.name)
    assert.ok(listed.includes('weird.ok'))
    assert.equal(listed.includes('weird.recursive'), false)
    assert.equal(listed.includes('weird.huge'), false)
  })

  it('mycel tools ls --json shows both nodes\' tools, and which alpha may call', async () => {
    const res = await h.cli(alpha.home, ['tools', 'ls', '--json'])
    assert.equal(res.code, 0, res.stderr)
    const rows = res.json<Array<{ name: string, node: string, local: boolean, callable: boolean, class: string, inputSchema: { required?: string[] } }>>()
    const read = rows.find(r => r.name === 'fs.read_text_file')
    assert.equal(read?.node, beta.peerId)
    assert.equal(read?.local, false)
    assert.equal(read?.callable, true)
    assert.deepEqual(read?.inputSchema.required, ['path'])
    assert.ok(rows.some(r => r.name === 'code.run' && r.node === alpha.peerId && r.local))
    // beta's weird.ok is offered, but alpha's policy names no weird.* tool
    assert.equal(rows.find(r => r.name === 'weird.ok')?.callable, false)
  })

  for (const door of ['/mcp', 'mycel mcp (stdio)'] as const) {
    it(`the MCP door (${door}): an MCP client on alpha lists and calls a tool living on beta`, async () => {
      const client = new Client({ name: 'mycel-test', version: '0.0.0' })
      await client.connect(door === '/mcp'
        ? new StreamableHTTPClientTransport(new URL(`${alpha.api.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${alpha.api.token}` } } })
        : new StdioClientTransport({ command: process.execPath, args: [CLI_BIN, '--home', alpha.home, 'mcp'], cwd: REPO_ROOT, env: childEnv() as Record<string, string>, stderr: 'pipe' }))
      await checkDoor(client)
    })
  }

  async function checkDoor (client: Client): Promise<void> {
    try {
      const { tools } = await client.listTools()
      const read = tools.find(t => t.name === 'fs.read_text_file')
      assert.ok(read != null, tools.map(t => t.name).join(', '))
      assert.deepEqual(read.inputSchema.required, ['path'])
      assert.equal(tools.some(t => t.name.startsWith('secret.')), false, 'no local-only tool of another node')
      assert.ok(tools.some(t => t.name === 'code.run'))
      const res = await client.callTool({ name: 'fs.read_text_file', arguments: { path: join(docs, 'runbook.md') } }) as { content: Array<{ text?: string }>, isError?: boolean }
      assert.notEqual(res.isError, true)
      assert.equal(res.content[0]?.text?.trim(), DOC_TEXT.trim())
      const denied = await client.callTool({ name: 'fs.list_directory', arguments: { path: docs } }) as { content: Array<{ text?: string }>, isError?: boolean }
      assert.equal(denied.isError, true)
      assert.match(denied.content[0]?.text ?? '', /Denied by policy/)
      assert.equal(tools.some(t => t.name === 'weird.ok'), false, 'a tool this node\'s policy does not let it call is not listed')
    } finally {
      await client.close()
    }
  }
})
