/**
 * The node's tools as the assembly wires them: the registry with the
 * built-in `code.run` and every MCP server `tools.json` registers, the
 * `tool.call` task kind over it (remote callers need a policy rule naming
 * the tool; every call audited), the tools the capability card lists (minus
 * `local-only`, within the card's bounds, published again when the tools
 * change), and the mesh's tools for the API, the CLI and the MCP door.
 * The rules stay in `tools/`; this file only connects them.
 */
import type { Logger } from '../logger.ts'
import { createLogger } from '../logger.ts'
import type { HomePaths } from '../home/home.ts'
import type { AuditLog } from '../audit/log.ts'
import type { PolicyEngine } from '../policy/engine.ts'
import { TOOL_CALL_KIND } from '../policy/constants.ts'
import type { TaskKindRegistry } from '../tasks/registry.ts'
import type { CardTool } from '../../protocol/cards/card.ts'
import {
  cardTools, codeRun, connectorInit, mcpConnector, meshTools, readToolServers, toolCallKind, toolDataClass, toolRegistry, toolsConstants,
  type MeshTools, type MeshToolsComponents, type ToolRegistry
} from '../tools/index.ts'
import type { Startable } from './lifecycle.ts'

export interface LocalToolsInit {
  paths: Pick<HomePaths, 'tools'>
  tasks: TaskKindRegistry
  /** This node's peer id. */
  self: string
  policy: PolicyEngine
  /** Groups of an admitted member (the executor's own check), undefined for anyone else. */
  memberGroups: (peerId: string) => string[] | undefined
  audit: Pick<AuditLog, 'append'>
  logger: Logger
}

export interface LocalTools {
  registry: ToolRegistry
  /** Starts the providers (one attempt each; a broken server never blocks the start) and stops them. */
  service: Startable
  /** What the card lists now. */
  cardTools: () => CardTool[]
  /** Publishes the card again whenever the tools change (after the card service started). */
  republish: (cards: { publish: () => Promise<unknown> }) => Startable
  /** The mesh's tools, once the router and the cards exist. */
  mesh: (c: Omit<MeshToolsComponents, 'registry' | 'self' | 'policy' | 'audit'>) => MeshTools
}

/** Builds the registry from the home's `tools.json` (a bad file stops the start, naming the entry) and registers the kind. */
export async function openLocalTools (init: LocalToolsInit): Promise<LocalTools> {
  const { policy, self, logger } = init
  const registry = toolRegistry()({ logger: createLogger('mycel:node:tools') })
  await registry.add(codeRun()({ logger: createLogger('mycel:node:tools:code') }))
  for (const entry of await readToolServers(init.paths.tools)) {
    await registry.add(mcpConnector(connectorInit(entry))({ logger: createLogger(`mycel:node:tools:${entry.name}`) }))
  }
  init.tasks.register(toolCallKind({
    tools: registry,
    self: () => self,
    mayCall: (peer, tool) => {
      const d = policy.decide({ peerId: peer, groups: init.memberGroups(peer) ?? [], kind: TOOL_CALL_KIND, tool, dataClass: toolDataClass(registry, tool) ?? 'internal', direction: 'inbound' })
      return { allow: d.allow, rule: d.rule }
    },
    audit: init.audit
  }))
  let lastLeft = ''
  return {
    registry,
    service: { start: async () => { await registry.start() }, stop: async () => { await registry.stop() } },
    cardTools: () => {
      const { tools, left } = cardTools(registry.list())
      const note = left.map(l => `${l.tool}: ${l.reason}`).join('; ')
      if (note !== '' && note !== lastLeft) logger('tools left out of the card: %s', note)
      lastLeft = note
      return tools
    },
    republish: (cards) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      let unsubscribe: (() => void) | undefined
      return {
        start: () => {
          unsubscribe = registry.onChange(() => {
            clearTimeout(timer)
            timer = setTimeout(() => { void cards.publish().catch(err => { logger('card republish after a tool change failed: %s', (err as Error).message) }) }, toolsConstants.CARD_TOOLS_REPUBLISH_DELAY_MS)
          })
        },
        stop: () => { unsubscribe?.(); clearTimeout(timer) }
      }
    },
    mesh: (c) => meshTools({ ...c, registry, self: () => self, policy, audit: init.audit })
  }
}
