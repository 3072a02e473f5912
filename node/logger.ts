/**
 * Component loggers, silent unless `DEBUG=mycel:*` (or a narrower pattern) is
 * set. Each service takes a `Logger` from its components instead of
 * importing a global one, so tests can pass their own.
 *
 * @example
 * const log = createLogger('mycel:node:scheduler')
 * log('admitted task %s', taskId)
 */
import { logger } from '@libp2p/logger'
import type { Logger } from '@libp2p/interface'

export type { Logger }

export function createLogger (name: string): Logger {
  return logger(name)
}
