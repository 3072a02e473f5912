/**
 * Tool-call figures, each next to what it is compared with in the same run:
 * `tool.call` of a trivial tool (the `echo` of a stdio MCP server, the SDK's
 * own, answering its text) delegated to the member that offers it, against
 * the same call made in-process on that member, and against a delegated
 * `echo` task between the same two nodes: the tool layer (schema check,
 * registry, MCP round trip, both sides' audit entries) should cost at most
 * half an echo on top of the mesh path.
 *
 * Reproduce: `npm run bench -- tools`
 */
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Harness, REPO_ROOT } from '../../test/helpers/harness.ts'
import { waitFor } from '../../test/helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { homePaths } from '../../node/home/home.ts'
import { delegatedEcho, twoNodes } from './tasks.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const CALLS = 500
const WARMUP = 50
const TEXT = randomBytes(32).toString('hex')
const TOOL = 'bench.echo'
const SERVER = resolve(REPO_ROOT, 'test/tools/fixtures/misbehaving-server.ts')

/** The home's policy (rate limits already off) plus a rule letting members call the bench tool. */
async function allowTool (home: string): Promise<void> {
  const path = homePaths(home).policy
  const file = JSON.parse(await readFile(path, 'utf8'))
  file.rules.push({ id: 'bench-tool', effect: 'allow', groups: ['members'], kinds: ['tool.call'], models: [], tools: [TOOL], collections: [], classes: ['internal'], direction: 'both' })
  await writeFile(path, JSON.stringify(file, null, 2), { mode: 0o600 })
}

async function p50 (call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await call()
  const latencies: number[] = []
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now()
    await call()
    latencies.push(performance.now() - t)
  }
  return percentile(latencies, 50)
}

async function run (): Promise<BenchRow[]> {
  const suite = 'tools'
  const h = new Harness()
  try {
    const [provider, caller] = await twoNodes(h, false, async (home) => {
      await allowTool(home)
      await h.ok(home, ['tools', 'add', 'bench', '--', process.execPath, SERVER], { inProcess: true })
    }, allowTool)
    await waitFor(() => caller.services.cards.card(provider.peerId)?.tools.some(t => t.name === TOOL), { what: 'the bench tool in the provider\'s card', timeoutMs: 60_000 })
    const call = (node: MycelNode, where: { peer: string } | { local: true }) => async (): Promise<void> => {
      const r = await node.services.tools.call({ tool: TOOL, arguments: { text: TEXT }, ...where })
      if (r.result.content[0]?.type !== 'text' || r.result.content[0].text !== TEXT) throw new Error('the bench tool answered something else')
    }
    const echo = await delegatedEcho(provider, caller)
    const local = await p50(call(provider, { local: true }))
    const delegated = await p50(call(caller, { peer: provider.peerId }))
    return [
      { suite, name: `tool.call ${TOOL} (stdio MCP) in-process on the provider: p50`, value: local, unit: 'ms' },
      { suite, name: `tool.call ${TOOL} delegated: p50`, value: delegated, unit: 'ms', baseline: { name: 'in-process p50', value: local } },
      { suite, name: `tool.call ${TOOL} delegated vs delegated echo: p50`, value: delegated, unit: 'ms', baseline: { name: 'delegated echo p50', value: echo.p50 }, target: '<= 1.5x', met: delegated / echo.p50 <= 1.5 }
    ]
  } finally {
    await h.cleanup()
  }
}

export const tools: BenchSuite = { name: 'tools', run }
