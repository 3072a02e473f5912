import type { Command } from '../command.ts'
import { createInvite, decodeInvite, checkInviteUsable, type Invite } from '../../../identity/invite.ts'
import { peerIdFromPublicKey } from '../../../identity/peer-id.ts'
import { fromHex, toHex } from '../../../identity/bytes.ts'
import { orgIdOf } from '../../../protocol/ids.ts'
import { ApiClient, readApiFile } from '../../api/client.ts'
import { inviteAddrs } from '../../api/control-routes.ts'
import { NotJoinedError } from '../../config.ts'
import { NotAdminError } from '../../membership/errors.ts'
import { parseDuration, parseInteger, stringList } from '../parse.ts'
import { loadIdentity, readHome } from '../home-state.ts'

interface InviteOut { invite: string, inviteId: string, expiresAt: number, uses: number, groups: string[] }

export const inviteCreate: Command = {
  path: ['invite', 'create'],
  summary: 'Create an invite key that lets one more machine join (admins)',
  usage: '[--uses N] [--ttl DURATION] [--group G]... [--addr MULTIADDR]...',
  options: {
    uses: { type: 'string', help: 'How many machines may join with it (default 1)' },
    ttl: { type: 'string', help: 'How long it stays valid, e.g. 30m, 24h, 7d (default 24h)' },
    group: { type: 'string', multiple: true, help: 'Group granted to who joins (repeatable)' },
    addr: { type: 'string', multiple: true, help: 'Address joiners dial (default: the running node\'s addresses)' }
  },
  async run (ctx, args) {
    const uses = args.values.uses != null ? parseInteger(args.values.uses as string, '--uses', { min: 1, max: 10_000 }) : undefined
    const ttlMs = args.values.ttl != null ? parseDuration(args.values.ttl as string, '--ttl') : undefined
    const groups = stringList(args.values.group)
    const addrs = stringList(args.values.addr)
    const { config } = await readHome(ctx)
    if (config.org == null) throw new NotJoinedError()
    if (!config.org.admin) throw new NotAdminError()
    let out: InviteOut
    if (addrs.length === 0 && await readApiFile(ctx.home) != null) {
      const api = await ApiClient.fromHome(ctx.home)
      out = await api.post<InviteOut>('/api/invites', { ...(uses != null ? { uses } : {}), ...(ttlMs != null ? { ttlMs } : {}), ...(groups.length > 0 ? { groups } : {}) })
    } else {
      const key = await loadIdentity(ctx)
      const fallback = inviteAddrs(config.start?.listen ?? [])
      const created = createInvite({
        admin: key,
        adminCert: new Uint8Array(Buffer.from(config.org.adminCert ?? '', 'base64')),
        addrs: addrs.length > 0 ? addrs : fallback,
        psk: fromHex(config.org.psk),
        ...(uses != null ? { uses } : {}),
        ...(ttlMs != null ? { ttlMs } : {}),
        groups
      })
      if (addrs.length === 0 && fallback.length === 0) ctx.out.error('note: the node is not running, so this invite carries no address to dial; pass --addr or start the node first')
      out = { invite: created.invite, inviteId: created.inviteId, expiresAt: created.expiresAt, uses: created.uses, groups: created.groups }
    }
    if (ctx.json) { ctx.out.json(out); return }
    ctx.out.line(out.invite)
    ctx.out.error(`Invite ${out.inviteId}: ${out.uses} use(s), valid until ${new Date(out.expiresAt).toISOString()}. On the new machine: mycel join <invite>`)
  }
}

export function describeInvite (invite: Invite, now = Date.now()): Record<string, unknown> {
  let status = 'valid'
  try { checkInviteUsable(invite, now) } catch (err) { status = (err as Error).name === 'InviteExpiredError' ? 'expired' : 'invalid' }
  return {
    status,
    org: { name: invite.orgName, id: orgIdOf(invite.org), root: toHex(invite.org) },
    issuer: peerIdFromPublicKey(invite.issuer),
    inviteId: invite.inviteId,
    expiresAt: invite.expiresAt,
    uses: invite.uses,
    groups: invite.groups,
    addrs: invite.addrs
  }
}

export const inviteInspect: Command = {
  path: ['invite', 'inspect'],
  summary: 'Decode and verify an invite without joining',
  usage: 'INVITE',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const invite = decodeInvite(args.positionals[0] as string)
    const info = describeInvite(invite)
    if (ctx.json) ctx.out.json(info)
    else {
      const org = info.org as { name: string, id: string }
      ctx.out.line(`status    ${info.status === 'expired' ? 'EXPIRED' : info.status}`)
      ctx.out.line(`org       ${org.name} (${org.id})`)
      ctx.out.line(`issuer    ${String(info.issuer)}`)
      ctx.out.line(`expires   ${new Date(invite.expiresAt).toISOString()}`)
      ctx.out.line(`uses      ${invite.uses}`)
      ctx.out.line(`groups    ${invite.groups.length > 0 ? invite.groups.join(', ') : '-'}`)
      ctx.out.line(`addresses ${invite.addrs.length > 0 ? invite.addrs.join(' ') : '-'}`)
    }
    if (info.status !== 'valid') {
      ctx.out.error(info.status === 'expired' ? 'mycel: this invite has expired; ask an admin for a new one' : 'mycel: this invite cannot be used')
      return 1
    }
  }
}
