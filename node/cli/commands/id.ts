import type { Command } from '../command.ts'
import { readHome } from '../home-state.ts'

export const id: Command = {
  path: ['id'],
  summary: 'Show this node\'s peer id, name and membership',
  async run (ctx) {
    const { config, peerId } = await readHome(ctx)
    const org = config.org
    const out = {
      peerId,
      name: config.name,
      org: org != null ? { name: org.name, id: org.id, root: org.root } : null,
      groups: org?.groups ?? [],
      certExpiresAt: org?.certExpiresAt ?? null,
      admin: org?.admin ?? false
    }
    if (ctx.json) { ctx.out.json(out); return }
    ctx.out.line(`peer id   ${peerId}`)
    ctx.out.line(`name      ${config.name}`)
    ctx.out.line(`org       ${org != null ? `${org.name} (${org.id})${org.admin ? ', admin' : ''}` : 'none (run `mycel org create NAME` or `mycel join INVITE`)'}`)
    if (org != null) {
      ctx.out.line(`groups    ${org.groups.join(', ')}`)
      ctx.out.line(`cert      valid until ${new Date(org.certExpiresAt).toISOString()}`)
    }
  }
}
