/**
 * An agent on real node processes with the generated model: gamma holds
 * the model and an agent allowed one tool, which lives on alpha (a real
 * `@modelcontextprotocol/server-filesystem`). Tool calls are grammar-forced
 * (`--tool-choice required`), so the run is deterministic: it goes to its
 * step budget, each call runs on alpha (alpha's audit has the provider's
 * `tool.call` entries), gamma's audit has the `agent.run` entries, and the
 * same run twice gives the same trace.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { AGENT_MODEL, TOOL, toolMesh } from './tool-mesh.ts'

interface AuditJson { type: string, peer?: string, task?: string, data?: Record<string, unknown> }
interface RunJson { taskId: string, executor: string, answer: string | null, stop: string, steps: number, trace: Array<Record<string, unknown>> }

describe('an agent runs a tool on another member, to its step budget', { timeout: 600_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let gamma: MycelProcess

  before(async () => {
    ({ alpha, gamma } = await toolMesh(h))
    const created = await h.cli(gamma.home, ['agent', 'create', 'scout', '--model', AGENT_MODEL, '--tools', TOOL, '--max-steps', '3', '--tool-choice', 'required', '--description', 'lists the shared folders', '--json'])
    assert.equal(created.code, 0, created.stderr)
  })

  const audit = async (n: MycelProcess): Promise<AuditJson[]> => await n.get<AuditJson[]>('/api/audit/tail?n=1000')
  const run = async (): Promise<RunJson> => {
    const res = await h.cli(gamma.home, ['agent', 'run', 'scout', 'Which folders can you read?', '--json'], { timeoutMs: 180_000 })
    assert.equal(res.code, 0, res.stderr)
    return res.json<RunJson>()
  }

  it('runs to its step budget with every call on alpha, both audits hold the entries, and a second run gives the same trace', async () => {
    const first = await run()
    assert.equal(first.executor, gamma.peerId)
    assert.equal(first.stop, 'steps')
    assert.equal(first.steps, 3)
    assert.equal(first.answer, null)
    const results = first.trace.filter(e => e.event === 'tool_result')
    assert.equal(results.length, 3)
    for (const r of results) {
      assert.equal(r.tool, TOOL)
      assert.equal(r.node, alpha.peerId, 'the tool ran on alpha')
      assert.equal(r.isError, false)
    }

    const theirs = (await audit(alpha)).filter(e => e.type === 'tool.call' && e.data?.tool === TOOL && e.data?.side === 'provider')
    assert.equal(theirs.length, 3, 'alpha wrote the provider\'s entry of each call')
    const mine = (await audit(gamma)).filter(e => e.task === first.taskId)
    assert.deepEqual(mine.filter(e => e.type.startsWith('agent.')).map(e => [e.type, e.data?.phase ?? e.data?.step]), [
      ['agent.run', 'start'], ['agent.step', 1], ['agent.step', 2], ['agent.step', 3], ['agent.run', 'end']
    ])
    const end = mine.find(e => e.type === 'agent.run' && e.data?.phase === 'end')
    assert.equal(end?.data?.stop, 'steps')
    assert.ok(mine.filter(e => e.type === 'agent.step').every(e => e.peer === alpha.peerId && e.data?.node === alpha.peerId))
    // alpha's entries of the calls are linked to the run on gamma by its signed chain, naming the agent
    const linked = (await audit(alpha)).filter(e => e.type === 'task.received' && e.data?.parentTask === first.taskId)
    assert.equal(linked.length, 3, 'each call alpha ran names the agent run as its parent')
    assert.ok(linked.every(e => e.data?.chainAgent === 'scout' && e.data?.chainOrigin === gamma.peerId && e.peer === gamma.peerId))
    const tree = (await h.cli(gamma.home, ['audit', 'trace', first.taskId, '--json'])).json<{ task: string, children?: Array<{ kind?: string, peer?: string }> }>()
    assert.equal(tree.task, first.taskId)
    assert.equal((tree.children ?? []).filter(c => c.kind === 'tool.call' && c.peer === alpha.peerId).length, 3, 'the trace tree on gamma holds the three calls to alpha')

    const second = await run()
    assert.notEqual(second.taskId, first.taskId)
    assert.deepEqual(second.trace, first.trace, 'the same run twice gives the same trace')
    assert.equal((await audit(alpha)).filter(e => e.type === 'tool.call' && e.data?.tool === TOOL && e.data?.side === 'provider').length, 6)
  })

  it('lists, shows and removes the agent; its card lists it; an unknown agent is refused', async () => {
    const ls = await h.cli(gamma.home, ['agent', 'ls', '--json'])
    assert.deepEqual(ls.json<Array<{ name: string }>>().map(a => a.name), ['scout'])
    const show = await h.cli(gamma.home, ['agent', 'show', 'scout'])
    assert.match(show.stdout, /tools: {7}fs\.list_allowed_directories/)
    await waitFor(async () => (await alpha.caps()).some(c => c.peerId === gamma.peerId && (c.agents as Array<{ name: string }> | undefined)?.some(a => a.name === 'scout') === true), { timeoutMs: 60_000, what: 'gamma\'s card listing scout in alpha\'s view' })
    const ghost = await h.cli(gamma.home, ['agent', 'run', 'ghost', 'boo'])
    assert.notEqual(ghost.code, 0)
    assert.match(ghost.stderr, /No agent named "ghost"/)
    assert.ok((await audit(gamma)).some(e => e.type === 'agent.refused' && e.data?.agent === 'ghost'))
    const rm = await h.cli(gamma.home, ['agent', 'rm', 'scout'])
    assert.equal(rm.code, 0, rm.stderr)
    const missing = await h.cli(gamma.home, ['agent', 'show', 'scout'])
    assert.notEqual(missing.code, 0)
  })
})
