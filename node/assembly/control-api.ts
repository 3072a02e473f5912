/**
 * The control API as a service of the node: an `ApiServer` with the routes
 * the assembly registers, listening once every other service has started
 * (`afterStart`), then announced in `api.json` for the CLI. At shutdown it
 * closes first (`beforeStop`): the server stops accepting, ends each open
 * stream with a last error line and cuts what is left after its grace
 * (`api/server.ts`), while the router fails the tasks behind them.
 *
 * @example
 * const api = controlApi({ address: '127.0.0.1:0' })({ lock, logger })
 * registerApi(api.server, modules)
 * await api.afterStart()
 * api.url // 'http://127.0.0.1:40123'
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from '../logger.ts'
import { ApiServer } from '../api/server.ts'
// each API answers errors in its own clients' shape (OpenAI, Anthropic, Ollama, control)
import { errorBody } from '../http/index.ts'
import type { HomeLock } from '../home/lock.ts'
import { DEFAULT_API_ADDR } from '../constants.ts'

export interface ControlApiInit {
  /** `host:port`; port 0 picks a free one. @default DEFAULT_API_ADDR */
  address?: string
}

export interface ControlApiComponents {
  lock: Pick<HomeLock, 'publishApi'>
  logger: Logger
}

export function controlApi (init: ControlApiInit = {}) {
  return (components: ControlApiComponents) => new ControlApi(components, init)
}

export class ControlApi {
  readonly server: ApiServer
  private readonly c: ControlApiComponents
  private readonly address: string
  private readonly token = randomBytes(32).toString('hex')
  private bound = ''
  private closing?: Promise<void>

  constructor (components: ControlApiComponents, init: ControlApiInit) {
    this.c = components
    this.address = init.address ?? DEFAULT_API_ADDR
    this.server = new ApiServer({ token: this.token, logger: components.logger, errorBody })
  }

  /** Where the API answers (`http://host:port`), once listening. */
  get url (): string { return this.bound }

  start (): void {}

  async afterStart (): Promise<void> {
    const idx = this.address.lastIndexOf(':')
    const host = idx > 0 ? this.address.slice(0, idx) : '127.0.0.1'
    const port = Number(idx > 0 ? this.address.slice(idx + 1) : this.address)
    const bound = await this.server.listen(host, port)
    this.bound = `http://${bound.host.includes(':') ? `[${bound.host}]` : bound.host}:${bound.port}`
    await this.c.lock.publishApi({ url: this.bound, token: this.token })
  }

  /** Stops accepting and ends open streams with a last error line, before the services behind them stop. */
  beforeStop (): void {
    this.closing ??= this.server.close().catch(() => {})
  }

  async stop (): Promise<void> {
    this.beforeStop()
    await this.closing
  }
}
