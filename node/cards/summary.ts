/** How cards and members read in `mycel caps` / `mycel peers` and the dashboard. */
import type { CapabilityCard } from '../../protocol/cards/card.ts'

export function capSummary (card: CapabilityCard, self: string): Record<string, unknown> {
  return {
    peerId: card.peerId,
    name: card.name,
    seq: card.seq,
    expiresAt: card.expiresAt,
    taskKinds: card.taskKinds,
    models: card.models,
    tools: card.tools.map(t => t.name),
    agents: card.agents ?? [],
    collections: card.collections,
    hardware: card.hardware,
    load: card.load,
    roles: card.roles,
    self: card.peerId === self
  }
}
