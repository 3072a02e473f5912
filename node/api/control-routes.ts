/**
 * The control API the CLI talks to. Read routes return what `mycel status`,
 * `peers` and `caps` print; write routes validate their bodies first.
 */
import type { ApiServer } from './server.ts'
import type { ApiModules } from './modules.ts'
import { HttpError } from './errors.ts'
import { body } from './body.ts'
import { arrayOf, bool, object, optional, str, uint } from '../../protocol/shape.ts'
import { isPeerId } from '../../identity/peer-id.ts'

import { inviteQrSvg } from './invites.ts'

export { inviteAddrs } from './invites.ts'

const RevokeBody = object({ peerId: str({ max: 128 }), keepInvites: optional(bool), force: optional(bool) })
const InviteBody = object({
  uses: optional(uint({ min: 1, max: 10_000 })),
  ttlMs: optional(uint({ min: 1000 })),
  groups: optional(arrayOf(str({ max: 64 }), { max: 16 })),
  addrs: optional(arrayOf(str({ max: 256 }), { max: 8 }))
})
const InviteRevokeBody = object({ inviteId: str({ max: 64 }) })

export function registerControlRoutes (api: ApiServer, { node, admin, cards }: Pick<ApiModules, 'node' | 'admin' | 'cards'>): void {
  api.route('GET', '/api/status', async () => node.status())
  api.route('GET', '/api/peers', async () => await node.peers())
  api.route('GET', '/api/caps', async () => node.caps())
  /** Signs and spreads a fresh card now (after a change the node cannot see, and for benchmarks). */
  api.route('POST', '/api/cards/republish', async () => {
    const card = await cards.republish()
    if (card == null) throw new HttpError('unavailable', 'The node is not publishing cards')
    return { seq: card.seq }
  })

  api.route('POST', '/api/revoke', async ({ body: b }) => {
    const { peerId, keepInvites, force } = body(RevokeBody, b, 'revoke request')
    if (!isPeerId(peerId)) throw new HttpError('malformed', 'Not a valid peer id')
    return await admin.revoke(peerId, { ...(keepInvites != null ? { keepInvites } : {}), ...(force != null ? { force } : {}) })
  })

  // `?qr=svg` adds the invite as a QR code (the dashboard's)
  api.route('POST', '/api/invites', async ({ body: b, query }) => {
    const created = await admin.createInvite(body(InviteBody, b, 'invite request'))
    if (query.get('qr') !== 'svg') return created
    // an invite past a QR code's capacity (many long addresses) is still good as text
    const qrSvg = await inviteQrSvg(created.invite).catch(() => undefined)
    return qrSvg != null ? { ...created, qrSvg } : created
  })
  api.route('GET', '/api/invites', async () => await admin.listInvites())
  api.route('POST', '/api/invites/revoke', async ({ body: b }) => await admin.revokeInvite(body(InviteRevokeBody, b, 'invite revoke request').inviteId))
}
