/** `/v1/models`: the models members offer in their verified capability cards. */

export interface OpenAiModel {
  id: string
  object: 'model'
  created: number
  owned_by: string
  /** Names (else peer ids) of the members offering it; an extension OpenAI clients ignore. */
  peers: string[]
}

/** One entry per model name, from the node's caps (its own card included). */
export function listModels (caps: Array<Record<string, unknown>>): OpenAiModel[] {
  const byName = new Map<string, OpenAiModel>()
  for (const card of caps) {
    const models = Array.isArray(card.models) ? card.models as Array<{ name?: unknown }> : []
    const who = typeof card.name === 'string' && card.name !== '' ? card.name : String(card.peerId)
    for (const m of models) {
      if (typeof m.name !== 'string') continue
      const entry = byName.get(m.name) ?? { id: m.name, object: 'model' as const, created: 0, owned_by: 'mycel', peers: [] }
      if (!entry.peers.includes(who)) entry.peers.push(who)
      byName.set(m.name, entry)
    }
  }
  return [...byName.values()].sort((a, b) => a.id.localeCompare(b.id))
}
