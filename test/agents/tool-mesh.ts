/**
 * The mesh of the agents' end-to-end tests: alpha founds the org and offers
 * one real tool server (`@modelcontextprotocol/server-filesystem`, as `fs`);
 * gamma joins and holds the generated bench model. Both allow members'
 * `fs.*` tool calls, so an agent on gamma can call a tool that lives on
 * alpha. Resolves once gamma sees alpha's tools.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { REPO_ROOT, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { homePaths } from '../../node/home/home.ts'

const FS_SERVER = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js')
/** The one tool the agents of these tests may call; it takes no arguments. */
export const TOOL = 'fs.list_allowed_directories'
/** The name gamma gives the bench model. */
export const AGENT_MODEL = 'tiny'

async function allowTools (home: string): Promise<void> {
  const file = JSON.parse(formatPolicy(defaultFounderPolicy()))
  file.rules.push({ id: 'members-tools', effect: 'allow', groups: ['members'], kinds: ['tool.call'], models: [], tools: ['fs.*'], collections: [], classes: ['public', 'internal', 'confidential'], direction: 'both' })
  await writeFile(homePaths(home).policy, JSON.stringify(file, null, 2))
}

export async function toolMesh (h: Harness): Promise<{ alpha: MycelProcess, gamma: MycelProcess }> {
  const alphaHome = await h.found('acme', 'alpha')
  await allowTools(alphaHome)
  const docs = await h.tempDir('mycel-agent-docs-')
  await h.ok(alphaHome, ['tools', 'add', 'fs', '--', process.execPath, FS_SERVER, docs])
  const alpha = await h.start(alphaHome)
  const gammaHome = await h.join(await h.invite(alpha), 'gamma')
  await allowTools(gammaHome)
  const model = join(await h.tempDir('mycel-agent-model-'), 'tiny.gguf')
  // the bench size: its context holds a few steps of tool documentation and results
  await makeTestModel({ out: model, size: 'bench', seed: 3 })
  await h.ok(gammaHome, ['models', 'add', model, '--name', AGENT_MODEL])
  const gamma = await h.start(gammaHome)
  await waitFor(async () => (await gamma.get<Array<{ name: string, node: string }>>('/api/tools')).some(t => t.name === TOOL && t.node === alpha.peerId), { timeoutMs: 90_000, what: 'alpha\'s filesystem tools in gamma\'s view' })
  return { alpha, gamma }
}
