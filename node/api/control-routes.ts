/**
 * The control API the CLI talks to. Read routes return what `mycel status`,
 * `peers` and `caps` print; write routes validate their bodies first.
 */
import type { ApiServer } from './server.ts'
import type { MycelNode } from '../mycel-node.ts'
import { HttpError } from './errors.ts'
import { arrayOf, object, optional, parse, str, uint } from '../../protocol/shape.ts'
import { MalformedMessageError } from '../../protocol/errors.ts'
import { createInvite } from '../../identity/invite.ts'
import { fromHex } from '../../identity/bytes.ts'
import { isPeerId } from '../../identity/peer-id.ts'

const RevokeBody = object({ peerId: str({ max: 128 }) })
const InviteBody = object({
  uses: optional(uint({ min: 1, max: 10_000 })),
  ttlMs: optional(uint({ min: 1000 })),
  groups: optional(arrayOf(str({ max: 64 }), { max: 16 }))
})

/** Parses a body with a shape, turning shape errors into 400s. */
export function body<T> (shape: (v: unknown, p: string) => T, value: unknown, what: string): T {
  try {
    return parse(shape, value ?? {}, what)
  } catch (err) {
    if (err instanceof MalformedMessageError) throw new HttpError(400, 'invalid_request', err.message)
    throw err
  }
}

export function registerControlRoutes (api: ApiServer, node: MycelNode): void {
  api.route('GET', '/api/status', async () => node.status())
  api.route('GET', '/api/peers', async () => await node.peers())
  api.route('GET', '/api/caps', async () => node.caps())
  /** Signs and spreads a fresh card now (after a change the node cannot see, and for benchmarks). */
  api.route('POST', '/api/cards/republish', async () => {
    const card = await node.cards?.publish()
    if (card == null) throw new HttpError(503, 'unavailable', 'The node is not publishing cards')
    return { seq: card.seq }
  })

  api.route('POST', '/api/revoke', async ({ body: b }) => {
    const { peerId } = body(RevokeBody, b, 'revoke request')
    if (!isPeerId(peerId)) throw new HttpError(400, 'invalid_request', 'Not a valid peer id')
    return await node.revoke(peerId)
  })

  api.route('POST', '/api/invites', async ({ body: b }) => {
    const req = body(InviteBody, b, 'invite request')
    if (!node.isAdmin) throw new HttpError(403, 'NotAdminError', 'This node does not hold an admin key of the organisation')
    const org = node.orgSettings
    const created = createInvite({
      admin: node.identityKey,
      adminCert: new Uint8Array(Buffer.from(org.adminCert ?? '', 'base64')),
      addrs: inviteAddrs(node.status().addresses),
      psk: fromHex(org.psk),
      ...(req.uses != null ? { uses: req.uses } : {}),
      ...(req.ttlMs != null ? { ttlMs: req.ttlMs } : {}),
      ...(req.groups != null ? { groups: req.groups } : {})
    })
    return { invite: created.invite, inviteId: created.inviteId, expiresAt: created.expiresAt, uses: created.uses, groups: created.groups }
  })
}

/** The addresses an invite carries: dialable ones first, at most 8. */
export function inviteAddrs (addrs: string[]): string[] {
  const usable = addrs.filter(a => !a.includes('/ip4/0.0.0.0/') && !a.includes('/ip6/::/'))
  return usable.slice(0, 8)
}
