/**
 * What the agent loop costs per step on top of its model: one in-process
 * node with the generated `bench` model runs an `agent.run` whose every
 * step is a grammar-forced call (`toolChoice: 'required'`) of a trivial
 * tool (`list_allowed_directories` of the real filesystem MCP server, no
 * arguments), routed as a `tool.call` task and audited. Model time is what the runtime's `chat` took, measured inside
 * the same runs; the overhead is the rest of the run's wall time per step
 * (the kernel, the audit entries, routing both tasks, and the tool's MCP
 * round trip), side by side with the model time of a step.
 *
 * Reproduce: `npm run bench -- agents`
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Harness, REPO_ROOT } from '../../test/helpers/harness.ts'
import { waitFor } from '../../test/helpers/wait.ts'
import { homePaths } from '../../node/home/home.ts'
import type { Runtime } from '../../node/runtime/index.ts'
import { benchModelPath } from './runtime.ts'
import { twoNodes } from './tasks.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const RUNS = 3
// under the loop guard: the same no-argument call a fourth time would end the run at `loop`
const STEPS = 3
const TOOL = 'fs.list_allowed_directories'
const SERVER = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js')

async function allowTool (home: string): Promise<void> {
  const path = homePaths(home).policy
  const file = JSON.parse(await readFile(path, 'utf8'))
  file.rules.push({ id: 'bench-tool', effect: 'allow', groups: ['members'], kinds: ['tool.call'], models: [], tools: [TOOL], collections: [], classes: ['internal'], direction: 'both' })
  await writeFile(path, JSON.stringify(file, null, 2), { mode: 0o600 })
}

async function run (): Promise<BenchRow[]> {
  const suite = 'agents'
  const h = new Harness()
  try {
    const model = await benchModelPath()
    const [node] = await twoNodes(h, {}, async (home) => {
      await allowTool(home)
      await h.ok(home, ['models', 'add', model, '--name', 'bench'], { inProcess: true })
      await h.ok(home, ['tools', 'add', 'fs', '--', process.execPath, SERVER, await h.tempDir('mycel-bench-docs-')], { inProcess: true })
    }, allowTool)
    await waitFor(() => node.services.tools.list().some(t => t.name === TOOL), { what: 'the bench tool', timeoutMs: 60_000 })
    const rt = node.services.runtime as Runtime
    let modelMs = 0
    const chat = rt.chat.bind(rt)
    rt.chat = async (req) => {
      const t = performance.now()
      try { return await chat(req) } finally { modelMs += performance.now() - t }
    }
    await node.services.agents.create({ name: 'bench', model: 'bench', tools: [TOOL], maxSteps: STEPS, toolChoice: 'required' })
    const once = async (): Promise<{ overheadMs: number, modelMs: number }> => {
      modelMs = 0
      const t = performance.now()
      const r = await node.services.router.run({ kind: 'agent.run', local: true, input: { agent: 'bench', goal: 'Echo the word mesh.' } })
      const wall = performance.now() - t
      const out = r.output as { steps: number, stop: string }
      if (out.stop !== 'steps' || out.steps !== STEPS) throw new Error(`the bench run stopped at ${out.stop} after ${out.steps} steps: ${JSON.stringify(r.output).slice(0, 2000)}`)
      return { overheadMs: (wall - modelMs) / STEPS, modelMs: modelMs / STEPS }
    }
    await once() // warm: model load, grammar builds, MCP connection
    const runs: Array<{ overheadMs: number, modelMs: number }> = []
    for (let i = 0; i < RUNS; i++) runs.push(await once())
    const overhead = percentile(runs.map(r => r.overheadMs), 50)
    const step = percentile(runs.map(r => r.modelMs), 50)
    return [
      { suite, name: 'model time per agent step (forced call)', value: step, unit: 'ms' },
      { suite, name: 'agent step overhead (kernel + audit + routing)', value: overhead, unit: 'ms', baseline: { name: 'model time per step', value: step }, target: '<= 0.25x', met: overhead <= 0.25 * step }
    ]
  } finally {
    await h.cleanup()
  }
}

export const agents: BenchSuite = { name: 'agents', run }
