/**
 * The node's sessions as the assembly wires them: the store in the node's
 * own database, turns through the router (so policy, audit and the data
 * class hold as for any task), and a model's window read from this node's
 * models or, for a member's, from its verified card.
 */
import type { CapabilityCard, CardModel } from '../../protocol/cards/card.ts'
import type { NodeDb } from '../home/db.ts'
import type { Logger } from '../logger.ts'
import type { TaskRouter } from '../tasks/index.ts'
import { sessionService, type SessionService } from '../sessions/index.ts'

export interface LocalSessionsInit {
  self: string
  db: NodeDb
  router: Pick<TaskRouter, 'run'>
  /** This node's models, as its card shows them. */
  localModels: () => CardModel[]
  /** The members' verified cards. */
  cards: () => CapabilityCard[]
  logger: Logger
  /** This node's agent profiles (`--agent`). */
  agentProfile?: (name: string) => { model: string, system?: string } | undefined
}

export function localSessions (init: LocalSessionsInit): SessionService {
  const models = (): CardModel[] => [...init.localModels(), ...init.cards().flatMap(c => c.models)]
  return sessionService()({
    self: init.self,
    db: init.db,
    logger: init.logger,
    run: async (spec) => await init.router.run(spec),
    contextSizeOf: async (model) => models().find(m => m.name === model)?.contextLength,
    defaultModel: async () => models()[0]?.name,
    ...(init.agentProfile != null ? { agentProfile: init.agentProfile } : {})
  })
}
