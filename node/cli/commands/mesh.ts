import type { Command } from '../command.ts'
import { ApiClient } from '../../api/client.ts'
import { table } from '../output.ts'
import { resolvePeer } from '../peer-ref.ts'
import type { PeerSummary, StatusSummary } from '../../mycel-node.ts'

export const status: Command = {
  path: ['status'],
  summary: 'Show the running node: peer id, org, addresses, peers, uptime',
  async run (ctx) {
    const s = await (await ApiClient.fromHome(ctx.home)).get<StatusSummary>('/api/status', ctx.signal)
    if (ctx.json) { ctx.out.json(s); return }
    ctx.out.line(`peer id    ${s.peerId}`)
    ctx.out.line(`name       ${s.name}`)
    ctx.out.line(`org        ${s.org != null ? `${s.org.name} (${s.org.id})` : '-'}${s.admin ? ', admin' : ''}${s.revoked ? ', REVOKED: this node was revoked from the org' : ''}`)
    ctx.out.line(`groups     ${s.groups.join(', ')}`)
    for (const a of s.addresses) ctx.out.line(`address    ${a}`)
    ctx.out.line(`api        ${s.api}`)
    ctx.out.line(`peers      ${s.peers}`)
    ctx.out.line(`cards      ${s.cards.known} verified, ${Object.values(s.cards.rejected).reduce((a, b) => a + b, 0)} rejected`)
    ctx.out.line(`uptime     ${Math.round(s.uptimeMs / 1000)}s`)
    if (s.witness != null) ctx.out.line(`witness    holds the audit checkpoints of ${s.witness.witnessed} member${s.witness.witnessed === 1 ? '' : 's'}`)
    for (const w of s.witness?.warnings ?? []) ctx.out.line(`WARNING    ${w.reason}`)
  }
}

export const peers: Command = {
  path: ['peers'],
  summary: 'List connected members with their round-trip times',
  async run (ctx) {
    const list = await (await ApiClient.fromHome(ctx.home)).get<PeerSummary[]>('/api/peers', ctx.signal)
    if (ctx.json) { ctx.out.json(list); return }
    if (list.length === 0) { ctx.out.line('No members connected.'); return }
    ctx.out.line(table(list.map(p => ({ ...p, rttMs: p.rttMs != null ? Math.round(p.rttMs) : null, address: p.addresses[0] })), ['peerId', 'name', 'rttMs', 'address']))
  }
}

export const caps: Command = {
  path: ['caps'],
  summary: 'List the verified capability cards this node knows, its own included',
  async run (ctx) {
    const list = await (await ApiClient.fromHome(ctx.home)).get<Array<Record<string, any>>>('/api/caps', ctx.signal)
    if (ctx.json) { ctx.out.json(list); return }
    ctx.out.line(table(list.map(c => ({
      peerId: c.peerId,
      name: `${String(c.name)}${c.self === true ? ' (self)' : ''}`,
      kinds: c.taskKinds,
      models: (c.models as Array<{ name: string }>).map(m => m.name),
      backend: c.hardware?.backend,
      load: `${String(c.load?.running ?? 0)}/${String(c.load?.slots ?? 0)}`,
      seq: c.seq
    })), ['peerId', 'name', 'kinds', 'models', 'backend', 'load']))
  }
}

export const revoke: Command = {
  path: ['revoke'],
  summary: 'Revoke a member and the invites it redeemed: every node drops it and refuses it from now on (admins)',
  usage: '[--keep-invites] [--force] PEER',
  options: {
    'keep-invites': { type: 'boolean', help: 'Leave the invites it joined with usable (others may still need a multi-use one)' },
    force: { type: 'boolean', help: 'Allow revoking this node itself (never the last admin)' }
  },
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const api = await ApiClient.fromHome(ctx.home)
    // a name is resolved to the one member carrying it; the peer id is what gets revoked (and printed)
    const peerId = await resolvePeer(api, args.positionals[0] as string, ctx.signal)
    const keepInvites = args.values['keep-invites'] === true
    const force = args.values.force === true
    const r = await api.post<{ seq: number, invites: string[] }>('/api/revoke', { peerId, keepInvites, force }, ctx.signal)
    if (ctx.json) { ctx.out.json({ revoked: peerId, seq: r.seq, invites: r.invites }); return }
    ctx.out.line(`Revoked ${peerId} (revocation list seq ${r.seq}); members drop it as the list spreads.`)
    if (r.invites.length > 0) ctx.out.line(`Also revoked the invite(s) it joined with: ${r.invites.join(', ')}`)
  }
}
