/**
 * `mycel doctor [--json]`: every file in the home with its mode and whether
 * it holds a secret in clear; warns on loose modes. Reads only; exits 1
 * when there is something to fix.
 */
import type { Command } from '../command.ts'
import { inspectHome } from '../../home/doctor.ts'
import { passphraseOf } from '../home-state.ts'
import { table } from '../output.ts'

export const doctor: Command = {
  path: ['doctor'],
  summary: 'List every file in the home with its mode and whether it holds secrets in clear; warn on loose modes',
  async run (ctx) {
    const report = await inspectHome(ctx.home, { passphrase: passphraseOf(ctx).passphrase != null })
    if (ctx.json) {
      ctx.out.json(report)
    } else {
      ctx.out.line(table(report.files.map(f => ({ MODE: f.mode, BYTES: f.bytes, SECRET: f.secret === 'none' ? '-' : `${f.secret} (${f.holds ?? ''})`, FILE: f.path })), ['MODE', 'BYTES', 'SECRET', 'FILE']))
      for (const w of report.warnings) ctx.out.line(`WARNING: ${w}`)
      if (report.warnings.length === 0) ctx.out.line('No loose modes; no secret in clear but the running node\'s API token.')
    }
    return report.warnings.length > 0 ? 1 : 0
  }
}
