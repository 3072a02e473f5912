/**
 * `mycel mcp` over stdio, driven by the MCP SDK's own client: it spawns
 * `node node/cli/bin.ts --home BETA mcp`, which reaches the running node
 * through its control API.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { CLI_BIN, childEnv, harness, REPO_ROOT, type MycelProcess } from '../helpers/harness.ts'
import { modelMesh } from '../openai/mesh.ts'
import { checkDelegation, checkToolErrors, checkTools } from './tools.ts'
import { checkCompletion, checkLogging, checkOutputSchemas, checkPrompts, checkResources } from './features.ts'

describe('MCP over stdio (mycel mcp)', { timeout: 300_000 }, () => {
  const h = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let client: Client
  let stderr = ''

  before(async () => {
    const mesh = await modelMesh(h, 1)
    alpha = mesh.alpha
    beta = mesh.others[0] as MycelProcess
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_BIN, '--home', beta.home, 'mcp'],
      cwd: REPO_ROOT,
      env: childEnv() as Record<string, string>,
      stderr: 'pipe'
    })
    transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
    client = new Client({ name: 'mycel-test', version: '0.0.0' })
    await client.connect(transport)
  })
  after(async () => { await client?.close() })

  it('introduces itself and lists the mesh tools and capabilities', async () => {
    assert.equal(client.getServerVersion()?.name, 'mycel')
    await checkTools(client, alpha, beta)
  })

  it('delegates tasks over the mesh', async () => {
    await checkDelegation(client, alpha)
  })

  it('declares output schemas for the structured results of its tools', async () => {
    await checkOutputSchemas(client)
  })

  it('serves memory collections and members as resources, and tells subscribers of changes', async () => {
    await checkResources(client, h, beta, 'handbook-stdio')
  })

  it('offers prompts over the mesh\'s models, collections and peers', async () => {
    await checkPrompts(client, alpha, 'handbook-stdio')
  })

  it('completes model, peer and collection names in prompt arguments and resource templates', async () => {
    await checkCompletion(client, 'handbook-stdio')
  })

  it('logs the tasks its tools run at the level the client sets, without their content', async () => {
    await checkLogging(client, alpha)
  })

  it('reports refusals as tool errors a model can read', async () => {
    await checkToolErrors(client)
    assert.equal(stderr, '', 'nothing on stderr')
  })

  it('exits with a clear message when no node runs for the home', async () => {
    const home = await h.init('lonely')
    const res = await h.cli(home, ['mcp'], { timeoutMs: 30_000 })
    assert.equal(res.code, 1)
    assert.match(res.stderr, /No running node/)
    assert.equal(res.stdout, '')
  })
})
