/**
 * The functions a run offers its model: the mesh's tools the profile's
 * patterns name (and the chain's scope, when the run arrived on one), plus
 * two synthetic tools for delegation: `mycel.delegate_agent` (an agent on
 * another member, as `agent.run`) and `mycel.ask_model` (a model on another
 * member, as `llm.chat`). Each synthetic tool is offered only when the
 * profile's patterns name it and a target exists; its targets are an enum,
 * so a grammar-forced call can only name one that exists.
 */
import type { ChatTool } from '../../protocol/task/chat.ts'
import type { MeshTool } from '../tools/index.ts'
import { ASK_MODEL_TOOL, ASK_PROMPT_MAX_CHARS, DELEGATE_AGENT_TOOL, GOAL_MAX_CHARS, OFFERED_TOOLS_MAX } from './constants.ts'
import { matchesAny } from './profile.ts'

/** An agent another member's card lists. */
export interface MeshAgent { peer: string, peerName: string, name: string, model: string, description?: string, tools: string[] }
/** A model another member's card lists. */
export interface MeshModel { peer: string, peerName: string, name: string }

export type Offered =
  | { type: 'tool', name: string }
  | { type: 'delegate', targets: Map<string, MeshAgent> }
  | { type: 'ask', targets: Map<string, MeshModel> }

export interface OfferInit {
  /** The profile's tool patterns. */
  patterns: readonly string[]
  /** The chain's tool patterns, when the run arrived on one. */
  scope?: readonly string[]
  tools: readonly MeshTool[]
  agents: readonly MeshAgent[]
  models: readonly MeshModel[]
}

export interface Offer {
  chat: ChatTool[]
  byName: Map<string, Offered>
}

/** `name@peer`, with the peer's card name when only one member has it, else its peer id. */
function targetKey (name: string, peer: string, peerName: string, names: Map<string, number>): string {
  return `${name}@${(names.get(peerName) ?? 0) > 1 ? peer : peerName}`
}

export function offerTools (init: OfferInit): Offer {
  const allowed = (name: string): boolean => matchesAny(init.patterns, name) && (init.scope == null || matchesAny(init.scope, name))
  const chat: ChatTool[] = []
  const byName = new Map<string, Offered>()
  for (const t of init.tools) {
    if (!t.callable || byName.has(t.name) || !allowed(t.name) || chat.length >= OFFERED_TOOLS_MAX) continue
    byName.set(t.name, { type: 'tool', name: t.name })
    chat.push({ name: t.name, description: t.description, parameters: t.inputSchema as Record<string, unknown> })
  }
  const names = new Map<string, number>()
  for (const p of new Set([...init.agents, ...init.models].map(x => `${x.peer}\0${x.peerName}`))) {
    const peerName = p.split('\0')[1] as string
    names.set(peerName, (names.get(peerName) ?? 0) + 1)
  }
  if (allowed(DELEGATE_AGENT_TOOL) && init.agents.length > 0) {
    const targets = new Map(init.agents.map(a => [targetKey(a.name, a.peer, a.peerName, names), a]))
    byName.set(DELEGATE_AGENT_TOOL, { type: 'delegate', targets })
    const list = [...targets].map(([k, a]) => `${k}: ${a.description ?? a.model}`).join('; ')
    chat.push({
      name: DELEGATE_AGENT_TOOL,
      description: `Hand a sub-goal to an agent on another member and get its answer. Agents: ${list}`.slice(0, 4000),
      parameters: { type: 'object', properties: { agent: { type: 'string', enum: [...targets.keys()] }, goal: { type: 'string', maxLength: GOAL_MAX_CHARS } }, required: ['agent', 'goal'] }
    })
  }
  if (allowed(ASK_MODEL_TOOL) && init.models.length > 0) {
    const targets = new Map(init.models.map(m => [targetKey(m.name, m.peer, m.peerName, names), m]))
    byName.set(ASK_MODEL_TOOL, { type: 'ask', targets })
    chat.push({
      name: ASK_MODEL_TOOL,
      description: 'Ask a model on another member one question and get its answer.',
      parameters: { type: 'object', properties: { model: { type: 'string', enum: [...targets.keys()] }, prompt: { type: 'string', maxLength: ASK_PROMPT_MAX_CHARS } }, required: ['model', 'prompt'] }
    })
  }
  return { chat, byName }
}
