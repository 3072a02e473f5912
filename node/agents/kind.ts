/**
 * The `agent.run` task kind: `{agent, goal, budget?}` runs the named
 * agent's loop on this node. The budget asked for lowers the profile's,
 * never raises it. An agent that does not exist is refused with a typed,
 * audited error before anything runs.
 */
import { AGENT_NAME } from '../../identity/agent-cert.ts'
import { object, optional, parse, str, uint } from '../../protocol/shape.ts'
import type { AuditLog } from '../audit/log.ts'
import { InvalidTaskInputError, TaskFailedError } from '../tasks/errors.ts'
import type { TaskKindHandler } from '../tasks/registry.ts'
import type { ChainSigner } from '../../protocol/chain/index.ts'
import * as c from './constants.ts'
import { UnknownAgentError } from './errors.ts'
import { runAgent, type AgentRunOutput, type KernelComponents } from './loop.ts'
import { runBudget, type AgentBudget, type AgentProfile } from './profile.ts'

export interface AgentRunInput {
  agent: string
  goal: string
  budget?: Partial<AgentBudget>
}

const Input = object({
  agent: AGENT_NAME,
  goal: str({ min: 1, max: c.GOAL_MAX_CHARS }),
  budget: optional(object({
    maxSteps: optional(uint({ min: 1, max: c.MAX_STEPS_LIMIT })),
    maxTokens: optional(uint({ min: 1, max: c.MAX_TOKENS_LIMIT })),
    timeoutMs: optional(uint({ min: 1, max: c.TIMEOUT_LIMIT_MS }))
  }))
})

export interface AgentRunKindInit {
  /** The profile and the chain signer of a local agent; undefined when there is none by that name. */
  resolve: (name: string) => Promise<{ profile: AgentProfile, signer: ChainSigner } | undefined>
  kernel: () => KernelComponents
  audit: Pick<AuditLog, 'append'>
  self: string
}

export function agentRunKind (init: AgentRunKindInit): TaskKindHandler<AgentRunInput> {
  return {
    kind: c.AGENT_RUN_KIND,
    parseInput (value) {
      try {
        return parse(Input, value, 'agent.run input') as AgentRunInput
      } catch (err) {
        throw new InvalidTaskInputError((err as Error).message)
      }
    },
    async run (input, ctx) {
      const agent = await init.resolve(input.agent)
      if (agent == null) {
        const err = new UnknownAgentError(input.agent)
        await init.audit.append({ type: c.AGENT_REFUSED_AUDIT_TYPE, actor: init.self, peer: ctx.from, task: ctx.taskId, data: { agent: input.agent, reason: 'unknown-agent' } })
        throw new TaskFailedError(err.code, err.message)
      }
      const out: AgentRunOutput = await runAgent(init.kernel(), {
        profile: agent.profile, signer: agent.signer, goal: input.goal, budget: runBudget(agent.profile.budget, input.budget), ctx
      })
      return { output: out, usage: out.usage, finishReason: out.stop }
    }
  }
}
