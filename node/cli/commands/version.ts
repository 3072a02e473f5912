import type { Command } from '../command.ts'
import { packageInfo } from '../package-info.ts'

export const version: Command = {
  path: ['version'],
  summary: 'Print the Mycel and Node.js versions (also `mycel --version`)',
  async run (ctx) {
    const v = { mycel: packageInfo().version, node: process.versions.node }
    if (ctx.json) ctx.out.json(v)
    else ctx.out.line(`mycel ${v.mycel} (node ${v.node})`)
  }
}
