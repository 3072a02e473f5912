/**
 * The scope an agent's tasks carry in their chain (protocol/chain): the
 * agent's own, narrowed to the parent chain's when the run arrived on one,
 * and narrowed again to the one task a hop is for. The executors check that
 * each hop is a subset of its parent; this side never asks for more.
 */
import type { ChainScope, VerifiedChain } from '../../protocol/chain/index.ts'
import type { DataClass } from '../../protocol/task/messages.ts'
import type { AgentProfile } from './profile.ts'
import { AGENT_RUN_KIND, ASK_MODEL_TOOL, DELEGATE_AGENT_TOOL } from './constants.ts'
import { matchesAny } from './profile.ts'

const LEAVING: DataClass[] = ['public', 'internal', 'confidential']

/** The kinds a profile may issue: its model's chat, tool calls, and `agent.run` when it may delegate. */
export function agentScope (profile: AgentProfile, parent?: VerifiedChain): ChainScope {
  const kinds = ['llm.chat', 'tool.call', ...(matchesAny(profile.tools, DELEGATE_AGENT_TOOL) ? [AGENT_RUN_KIND] : [])]
  const scope: ChainScope = {
    kinds: parent == null ? kinds : kinds.filter(k => matchesAny(parent.scope.kinds, k)),
    tools: profile.tools.filter(t => t !== DELEGATE_AGENT_TOOL && t !== ASK_MODEL_TOOL),
    collections: [...profile.collections],
    classes: parent == null ? [...LEAVING] : LEAVING.filter(c => parent.scope.classes.includes(c))
  }
  return scope
}

/** The scope of one task: its kind, and the one tool it calls. */
export function taskScope (scope: ChainScope, kind: string, tool?: string): ChainScope {
  return { kinds: [kind], tools: tool != null ? [tool] : [], collections: kind === AGENT_RUN_KIND ? scope.collections : [], classes: scope.classes }
}

/** A delegated agent keeps the tools of this one's scope (its own profile narrows further). */
export function delegationScope (scope: ChainScope): ChainScope {
  return { ...scope, kinds: [...scope.kinds], tools: [...scope.tools] }
}
