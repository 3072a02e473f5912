/**
 * A sub-executor that crashes mid-call fails over like any task: alpha and
 * beta are `mycel start` processes offering `code.run`; delta, in this
 * process, runs the agent loop with a scripted model and its real router
 * and mesh tools. Whichever member the agent's `tool.call` is routed to is
 * killed with SIGKILL; the call fails over to the other, the model gets
 * the survivor's result, and the run ends at its final answer.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import type { RunSpec } from '../../node/tasks/index.ts'
import { runAgent, type KernelComponents } from '../../node/agents/index.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { homePaths } from '../../node/home/home.ts'
import { context, profile, signer } from './scripted.ts'

const CODE = 'let s = 0; for (let i = 0; i < 3e6; i++) s = (s + i) % 1000003; s'

async function allowCode (home: string): Promise<void> {
  const file = JSON.parse(formatPolicy(defaultFounderPolicy()))
  file.rules.push({ id: 'members-code', effect: 'allow', groups: ['members'], kinds: ['tool.call'], models: [], tools: ['code.run'], collections: [], classes: ['public', 'internal', 'confidential'], direction: 'both' })
  await writeFile(homePaths(home).policy, JSON.stringify(file, null, 2))
}

describe('an agent\'s tool call fails over when its executor is killed', { timeout: 300_000 }, () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess
  let delta: MycelNode

  before(async () => {
    const alphaHome = await h.found('acme', 'alpha')
    await allowCode(alphaHome)
    alpha = await h.start(alphaHome)
    const betaHome = await h.join(await h.invite(alpha), 'beta')
    await allowCode(betaHome)
    beta = await h.start(betaHome)
    const deltaHome = await h.join(await h.invite(alpha), 'delta', { inProcess: true })
    await allowCode(deltaHome)
    delta = await h.node(deltaHome, { runtime: false })
    await waitFor(() => [alpha.peerId, beta.peerId].every(id => delta.services.cards.card(id) != null && delta.services.gate.member(id) != null), { what: 'delta to hold the cards of alpha and beta', timeoutMs: 90_000 })
    // delta offers code.run too and would run it itself: make it a pure delegator
    const router = delta.services.router
    const candidates = router.candidates.bind(router)
    router.candidates = (spec) => candidates(spec).filter(c => !c.local)
  })

  it('the survivor\'s result reaches the model and the run ends at its answer', async () => {
    const router = delta.services.router
    const run = router.run.bind(router)
    let killed: MycelProcess | undefined
    const routed: string[] = []
    // the first executor a tool.call is routed to dies there and then
    router.run = async (spec: RunSpec) => await run({
      ...spec,
      onEvent: (e) => {
        spec.onEvent?.(e)
        if (e.type !== 'routed' || spec.kind !== 'tool.call') return
        routed.push(e.executor)
        if (killed == null) { killed = e.executor === alpha.peerId ? alpha : beta; killed.kill() }
      }
    })
    let step = 0
    const seen: string[] = []
    const kernel: KernelComponents = {
      self: delta.services.host.peerId.toString(),
      router: {
        run: async (spec) => {
          if (spec.kind !== 'llm.chat') return await router.run(spec)
          step++
          const messages = (spec.input as { messages: Array<{ role: string, content: string }> }).messages
          seen.push(...messages.filter(m => m.role === 'tool').map(m => m.content))
          return step === 1
            ? { taskId: 'm1', executor: 'model', output: '', toolCalls: [{ id: 'c1', name: 'code.run', arguments: JSON.stringify({ code: CODE, timeoutMs: 5000 }) }], usage: { promptTokens: 1, completionTokens: 1 }, attempts: 1 }
            : { taskId: 'm2', executor: 'model', output: 'done', usage: { promptTokens: 1, completionTokens: 1 }, attempts: 1 }
        }
      },
      tools: delta.services.tools,
      agents: () => [],
      models: () => [],
      audit: delta.services.audit
    }
    const p = profile({ tools: ['code.run'] })
    const out = await runAgent(kernel, { profile: p, signer: signer(p.name, delta.services.credentials.key), goal: 'compute', budget: p.budget, ctx: context() })
    assert.ok(killed != null, 'an executor was killed')
    const survivor = killed === alpha ? beta : alpha
    assert.deepEqual(routed, [killed.peerId, survivor.peerId], 'routed to the killed member, then failed over')
    assert.equal(out.stop, 'final')
    assert.equal(out.answer, 'done')
    const result = out.trace.find(e => e.event === 'tool_result')
    assert.ok(result?.event === 'tool_result' && result.node === survivor.peerId && !result.isError, JSON.stringify(result))
    const expected = (() => { let s = 0; for (let i = 0; i < 3e6; i++) s = (s + i) % 1000003; return s })()
    assert.ok(seen.some(t => t.includes(`"value":${expected}`)), 'the model read the survivor\'s result')
  })
})
