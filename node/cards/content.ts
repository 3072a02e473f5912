/**
 * What this node's capability card says about it, read fresh at every
 * publish: its name, the task kinds it serves and which of them its policy
 * opens to members, its models, tools, collections, hardware and load, its
 * encryption key and roles. A watch republishes when the models or the
 * collections change on disk (the CLI edits them while the node runs).
 *
 * @example
 * const content = cardContent({ name: 'alpha', tasks, models: () => inference.models, ... })
 * const cards = cardService()({ ..., content })
 */
import { cpus, totalmem } from 'node:os'
import { repeatingTask, type RepeatingTask } from '@libp2p/utils'
import type { CardContent } from './card-service.ts'
import type { CardAgent, CardCollection, CardModel, CardTool } from '../../protocol/cards/card.ts'
import type { DataClass } from '../../protocol/task/messages.ts'
import type { HardwareInfo } from '../runtime/hardware.ts'
import type { Policy } from '../policy/types.ts'
import { kindsOpenToMembers } from '../policy/describe.ts'
import { MODEL_WATCH_INTERVAL_MS } from '../constants.ts'

export interface CardContentSources {
  name: string
  kinds: () => string[]
  models: () => CardModel[]
  /** Collections the card may name (no `local-only` one), with their counts. */
  collections: () => CardCollection[]
  /** The tools the card lists (already bounded and without local-only ones). @default none */
  tools?: () => CardTool[]
  /** The agents the card lists (already bounded). @default none */
  agents?: () => CardAgent[]
  hardware: () => HardwareInfo | undefined
  load: () => { running: number, queued: number, slots: number }
  encryptionKey: Uint8Array
  admin: boolean
  policy: () => Policy
}

/** Most models a card lists. */
const MAX_CARD_MODELS = 64

export function cardContent (s: CardContentSources): () => CardContent {
  return () => {
    const hw = s.hardware()
    const load = s.load()
    const kinds = s.kinds()
    return {
      name: s.name,
      taskKinds: kinds,
      models: s.models().slice(0, MAX_CARD_MODELS),
      tools: s.tools?.() ?? [],
      ...(s.agents != null ? { agents: s.agents() } : {}),
      collections: s.collections(),
      hardware: {
        backend: hw?.backend ?? 'cpu',
        ...(hw?.gpuName != null ? { gpuName: hw.gpuName } : {}),
        ...(hw?.vramTotalBytes != null ? { vramBytes: hw.vramTotalBytes } : {}),
        cpuCores: hw?.cpuCores ?? cpus().length,
        ramBytes: hw?.ramBytes ?? totalmem(),
        slots: load.slots
      },
      load,
      encryptionKey: s.encryptionKey,
      roles: s.admin ? ['admin'] : [],
      policy: { kinds: kindsOpenToMembers(s.policy(), kinds) }
    }
  }
}

export interface ContentWatchComponents {
  /** Re-read what the card shows from disk; each returns true when it changed. */
  sources: Array<() => Promise<boolean>>
  cards: { publish: () => Promise<unknown> }
}

/** Republishes the card when models or collections change on disk. */
export function contentWatch (init: { intervalMs?: number } = {}) {
  return (c: ContentWatchComponents) => {
    const task: RepeatingTask = repeatingTask(async () => {
      let changed = false
      for (const refresh of c.sources) changed = await refresh() || changed
      if (changed) await c.cards.publish().catch(() => {})
    }, init.intervalMs ?? MODEL_WATCH_INTERVAL_MS)
    return { start: () => { task.start() }, stop: () => { task.stop() } }
  }
}
