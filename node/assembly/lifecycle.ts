/**
 * Starts and stops the node's services in phases, in the style of
 * js-libp2p's components: every `beforeStart`, then every `start` in order,
 * then every `afterStart`; stopping runs `beforeStop`, `stop` and
 * `afterStop` in reverse order. An ordering that matters (dial members only
 * once every handler is registered; stop accepting API requests before the
 * executor stops) is a phase, not a line order.
 *
 * A service that fails to start stops everything already started, in
 * reverse order, and the error is thrown. `stop()` is idempotent.
 *
 * @example
 * const lifecycle = new Lifecycle([['db', db], ['host', host], ['api', api]], logger)
 * await lifecycle.start()
 * await lifecycle.stop() // api, host, db
 */
import type { Logger } from '../logger.ts'

type Phase = () => void | Promise<void>

/** A service the lifecycle runs: `start`/`stop` without arguments, optional phases around them. */
export interface Startable {
  beforeStart?: Phase
  start: Phase
  afterStart?: Phase
  beforeStop?: Phase
  stop: Phase
  afterStop?: Phase
}

export class Lifecycle {
  private readonly services: ReadonlyArray<readonly [string, Startable]>
  private readonly log: Logger
  /** Services whose `start` resolved, in start order. */
  private readonly started: Array<readonly [string, Startable]> = []
  private stopping?: Promise<void>

  constructor (services: ReadonlyArray<readonly [string, Startable]>, logger: Logger) {
    this.services = services
    this.log = logger
  }

  async start (): Promise<void> {
    if (this.stopping != null || this.started.length > 0) return
    try {
      for (const [, s] of this.services) await s.beforeStart?.()
      for (const entry of this.services) {
        const t0 = performance.now()
        await entry[1].start()
        this.started.push(entry)
        this.log('start of %s took %d ms', entry[0], Math.round(performance.now() - t0))
      }
      for (const [, s] of this.services) await s.afterStart?.()
    } catch (err) {
      this.log('start failed, stopping what started: %s', (err as Error).message)
      await this.stop()
      throw err
    }
  }

  /** Stops every started service in reverse order; errors are logged, never thrown, so each gets its turn. */
  async stop (): Promise<void> {
    this.stopping ??= this.stopAll()
    await this.stopping
  }

  private async stopAll (): Promise<void> {
    const started = this.started.splice(0).reverse()
    for (const phase of ['beforeStop', 'stop', 'afterStop'] as const) {
      for (const [name, s] of started) {
        if (s[phase] == null) continue
        const t0 = performance.now()
        try {
          await s[phase]()
          // DEBUG=mycel:node shows which service a slow shutdown waits on
          this.log('%s of %s took %d ms', phase, name, Math.round(performance.now() - t0))
        } catch (err) {
          this.log.error('%s of %s failed: %s', phase, name, (err as Error).message)
        }
      }
    }
  }
}
