import type { Command } from '../command.ts'

export const demo: Command = {
  path: ['demo'],
  summary: 'Run a throw-away three-node organisation on this machine and show delegation, policy and audit',
  options: { keep: { type: 'boolean', help: 'Keep the nodes running after the demo until Ctrl-C' } },
  async run (ctx, args) {
    // loaded on demand: the demo pulls in the test-mesh harness and the model generator
    const { runDemo } = await import('../../../scripts/demo.ts')
    return await runDemo({ out: ctx.out, signal: ctx.signal, keep: args.values.keep === true })
  }
}
