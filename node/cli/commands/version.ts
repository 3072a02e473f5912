import type { Command } from '../command.ts'

export const version: Command = {
  path: ['version'],
  summary: 'Print the Mycel and Node.js versions',
  async run (ctx) {
    const v = { mycel: '0.1.0', node: process.versions.node }
    if (ctx.json) ctx.out.json(v)
    else ctx.out.line(`mycel ${v.mycel} (node ${v.node})`)
  }
}
