/** What the A2A door is built from, and its options. */
import type { IdentityModule, NodeModule, TasksModule } from '../api/modules.ts'
import type { Logger } from '../logger.ts'
import type { TaskStoreInit } from './task-store.ts'

export interface A2aModules {
  tasks: Pick<TasksModule, 'run' | 'offers'>
  node: Pick<NodeModule, 'status' | 'caps'>
  identity: IdentityModule
}

export interface A2aInit extends TaskStoreInit {
  /** @default createLogger('mycel:node:a2a') */
  logger?: Logger
  /** @default MAX_RUNNING_TASKS */
  maxRunningTasks?: number
  /** @default AGENT_CARD_TTL_MS */
  cardTtlMs?: number
}
