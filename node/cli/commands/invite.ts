import type { Command, CommandContext } from '../command.ts'
import { decodeInvite, checkInviteUsable, type Invite } from '../../../identity/invite.ts'
import { peerIdFromPublicKey } from '../../../identity/peer-id.ts'
import { fromHex, toHex } from '../../../identity/bytes.ts'
import { isRevoked, openRevocationList, type VerifiedRevocationList } from '../../../identity/revocation.ts'
import { orgIdOf } from '../../../protocol/org.ts'
import { ApiClient, readApiFile } from '../../api/client.ts'
import { inviteAddrs } from '../../api/invites.ts'
import { NotJoinedError, type OrgSettings } from '../../home/config.ts'
import { openNodeDb, type NodeDb } from '../../home/db.ts'
import { NotAdminError } from '../../membership/errors.ts'
import { InviteBook, levelInviteStore } from '../../membership/invite-book.ts'
import { checkInviteAddr, issueInvite, listInvites, type InviteSummary } from '../../membership/invites.ts'
import { UsageError } from '../errors.ts'
import { parseDuration, parseInteger, stringList } from '../parse.ts'
import { table } from '../output.ts'
import { loadIdentity, passphraseOf, readHome } from '../home-state.ts'
import { loadOrgPsk } from '../../home/psk.ts'

interface InviteOut { invite: string, inviteId: string, expiresAt: number, uses: number, groups: string[] }

/** The admin's org settings, or the one-line reason this home cannot manage invites. */
async function adminOrg (ctx: CommandContext): Promise<{ org: OrgSettings, dataDir: string, listen: string[], psk: () => Promise<Uint8Array> }> {
  const { config, paths } = await readHome(ctx)
  if (config.org == null) throw new NotJoinedError()
  if (!config.org.admin) throw new NotAdminError()
  return { org: config.org, dataDir: paths.dataDir, listen: config.start?.listen ?? [], psk: async () => (await loadOrgPsk(paths, config, passphraseOf(ctx).passphrase)).psk }
}

/** The node's database while no node runs (the running node holds its lock); the sublevels are the node's own. */
async function withStoppedNodeDb<T> (dataDir: string, fn: (db: NodeDb) => Promise<T>): Promise<T> {
  const db = await openNodeDb(dataDir)
  try { return await fn(db) } finally { await db.close() }
}

const inviteBookOf = (db: NodeDb): InviteBook => new InviteBook(levelInviteStore(db.sublevel<string, Uint8Array>('invites', { valueEncoding: 'view' }) as any))

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
    if (addrs.length > 8) throw new UsageError('--addr may be given at most 8 times')
    for (const a of addrs) {
      try { checkInviteAddr(a) } catch (err) { throw new UsageError(`--addr: ${(err as Error).message}`) }
    }
    const { org, dataDir, listen, psk } = await adminOrg(ctx)
    let out: InviteOut
    if (await readApiFile(ctx.home) != null) {
      // the running node records the invite in its ledger (it holds the database)
      const api = await ApiClient.fromHome(ctx.home)
      out = await api.post<InviteOut>('/api/invites', { ...(uses != null ? { uses } : {}), ...(ttlMs != null ? { ttlMs } : {}), ...(groups.length > 0 ? { groups } : {}), ...(addrs.length > 0 ? { addrs } : {}) })
    } else {
      // configured listen addresses are a guess at what joiners can dial: keep only the dialable ones
      const fallback = inviteAddrs(listen).filter(a => { try { checkInviteAddr(a); return true } catch { return false } })
      const key = await loadIdentity(ctx)
      const init = {
        admin: key,
        adminCert: new Uint8Array(Buffer.from(org.adminCert ?? '', 'base64')),
        addrs: addrs.length > 0 ? addrs : fallback,
        psk: await psk(),
        ...(uses != null ? { uses } : {}),
        ...(ttlMs != null ? { ttlMs } : {}),
        groups
      }
      const created = init.addrs.length === 0 ? await issueInvite(init) : await withStoppedNodeDb(dataDir, async db => await issueInvite(init, inviteBookOf(db)))
      out = { invite: created.invite, inviteId: created.inviteId, expiresAt: created.expiresAt, uses: created.uses, groups: created.groups }
    }
    if (ctx.json) { ctx.out.json(out); return }
    ctx.out.line(out.invite)
    ctx.out.error(`Invite ${out.inviteId}: ${out.uses} use(s), valid until ${new Date(out.expiresAt).toISOString()}. On the new machine: mycel join <invite>`)
  }
}

export const inviteList: Command = {
  path: ['invite', 'ls'],
  summary: 'List the invites this admin issued: uses left, expiry, who redeemed them, revoked or not',
  async run (ctx) {
    const { org, dataDir } = await adminOrg(ctx)
    const list = await readApiFile(ctx.home) != null
      ? await (await ApiClient.fromHome(ctx.home)).get<InviteSummary[]>('/api/invites', ctx.signal)
      : await withStoppedNodeDb(dataDir, async db => {
        const list = await storedRevocations(db, org)
        return await listInvites(inviteBookOf(db), inviteId => isRevoked(list, { inviteId }))
      })
    if (ctx.json) { ctx.out.json(list); return }
    if (list.length === 0) { ctx.out.line('No invites issued yet; create one with `mycel invite create`.'); return }
    ctx.out.line(table(list.map(i => ({
      id: i.inviteId,
      status: i.status,
      left: i.uses != null ? `${String(i.usesLeft)}/${i.uses}` : null,
      expires: i.expiresAt != null ? new Date(i.expiresAt).toISOString().slice(0, 16).replace('T', ' ') : null,
      groups: i.groups,
      redeemedBy: i.redeemedBy
    })), ['id', 'status', 'left', 'expires', 'groups', 'redeemedBy']))
  }
}

export const inviteRevoke: Command = {
  path: ['invite', 'revoke'],
  summary: 'Revoke an invite so nobody can join with it any more (admins)',
  usage: 'INVITE_ID|INVITE',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const arg = (args.positionals[0] as string).trim()
    const inviteId = /^[0-9a-f]{32}$/.test(arg) ? arg : arg.startsWith('mycel1') ? decodeInvite(arg).inviteId : undefined
    if (inviteId == null) throw new UsageError(`"${arg.slice(0, 40)}" is neither an invite id (32 hex characters, see \`mycel invite ls\`) nor an invite`)
    await adminOrg(ctx)
    const r = await (await ApiClient.fromHome(ctx.home)).post<{ seq: number, alreadyRevoked: boolean }>('/api/invites/revoke', { inviteId }, ctx.signal)
    if (ctx.json) { ctx.out.json({ revoked: inviteId, seq: r.seq, alreadyRevoked: r.alreadyRevoked }); return }
    ctx.out.line(r.alreadyRevoked
      ? `Invite ${inviteId} was already revoked.`
      : `Revoked invite ${inviteId} (revocation list seq ${r.seq}); nobody can join with it any more.`)
  }
}

async function storedRevocations (db: NodeDb, org: OrgSettings): Promise<VerifiedRevocationList | undefined> {
  const bytes = await db.sublevel<string, Uint8Array>('state', { valueEncoding: 'view' }).get('revocations')
  if (bytes == null) return undefined
  // the list was verified when it was stored; an admin certificate expired since must not un-revoke anything
  return openRevocationList(bytes, { orgRoot: fromHex(org.root), skewMs: Number.MAX_SAFE_INTEGER })
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
