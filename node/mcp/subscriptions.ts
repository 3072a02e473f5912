/**
 * Resource subscriptions (`resources/subscribe`, `resources/unsubscribe`):
 * while a client holds any, the subscribed resources are re-read every
 * `RESOURCE_POLL_MS` and a change is told with
 * `notifications/resources/updated`; a collection appearing or going away
 * is told with `notifications/resources/list_changed`. Polling reaches the
 * memory the same way whether the server runs in the node or in `mycel mcp`
 * (through the control API), and costs nothing while nobody subscribes.
 * The SDK's `McpServer` has no subscription API, so the two requests are
 * handled on its underlying `Server`, as the SDK's examples do.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import type { MeshResources } from './resources.ts'
import { collectionOf } from './resources.ts'
import { MAX_MCP_SUBSCRIPTIONS, MAX_RESOURCE_URI_CHARS, MEMBERS_URI, RESOURCE_POLL_MS } from './constants.ts'

export interface SubscriptionsInit {
  /** @default RESOURCE_POLL_MS */
  pollMs?: number
  /** Told when a read fails (the node went away); the watch keeps going. */
  onError?: (err: unknown) => void
}

export class ResourceSubscriptions {
  private readonly last = new Map<string, string | undefined>()
  private list: string | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  private polling = false
  private stopped = false

  private readonly server: McpServer
  private readonly resources: MeshResources
  private readonly init: SubscriptionsInit

  constructor (server: McpServer, resources: MeshResources, init: SubscriptionsInit = {}) {
    this.server = server
    this.resources = resources
    this.init = init
    server.server.setRequestHandler(SubscribeRequestSchema, async (req) => { await this.subscribe(req.params.uri); return {} })
    server.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => { this.unsubscribe(req.params.uri); return {} })
  }

  /** Watches `uri`: one of Mycel's, possibly a collection that does not exist yet (its creation is a change). */
  async subscribe (uri: string): Promise<void> {
    if (uri.length > MAX_RESOURCE_URI_CHARS || (uri !== MEMBERS_URI && collectionOf(uri) == null)) {
      throw new McpError(ErrorCode.InvalidParams, `Not a Mycel resource: expected ${MEMBERS_URI} or mycel://memory/COLLECTION`)
    }
    if (this.last.has(uri)) return
    if (this.last.size >= MAX_MCP_SUBSCRIPTIONS) throw new McpError(ErrorCode.InvalidParams, `At most ${MAX_MCP_SUBSCRIPTIONS} subscriptions per session`)
    this.last.set(uri, await this.resources.read(uri).catch(() => undefined))
    this.list ??= await this.listed()
    this.timer ??= setInterval(() => { void this.poll() }, this.init.pollMs ?? RESOURCE_POLL_MS)
    this.timer.unref?.()
  }

  unsubscribe (uri: string): void {
    this.last.delete(uri)
    if (this.last.size === 0) this.clear()
  }

  /** Ends the watch (the session closed); idempotent. */
  stop (): void {
    this.stopped = true
    this.last.clear()
    this.clear()
  }

  private clear (): void {
    if (this.timer != null) clearInterval(this.timer)
    this.timer = undefined
    this.list = undefined
  }

  private async listed (): Promise<string | undefined> {
    return await this.resources.uris().then(u => u.join('\n'), () => undefined)
  }

  private async poll (): Promise<void> {
    if (this.polling) return
    this.polling = true
    try {
      for (const [uri, before] of [...this.last]) {
        const now = await this.resources.read(uri)
        if (this.stopped || !this.last.has(uri)) continue
        if (now !== before) {
          this.last.set(uri, now)
          await this.server.server.sendResourceUpdated({ uri })
        }
      }
      const list = await this.listed()
      if (!this.stopped && this.timer != null && list != null && list !== this.list) {
        this.list = list
        this.server.sendResourceListChanged()
      }
    } catch (err) {
      this.init.onError?.(err)
    } finally {
      this.polling = false
    }
  }
}
