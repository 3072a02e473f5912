/**
 * `mycel start`: runs the node in the foreground. SIGINT or SIGTERM stops it
 * in order (the API stops accepting and open task streams end with an error
 * line, tasks fail over, the executor stops, the audit log is checkpointed,
 * the database closed, `api.json` removed) within `SHUTDOWN_TIMEOUT_MS`; a
 * stop that takes longer, or a second signal, exits at once.
 */
import type { Command } from '../command.ts'
import { createMycelNode } from '../../assembly/index.ts'
import { parseHostPort, stringList } from '../parse.ts'
import { passphraseOf } from '../home-state.ts'
import { SHUTDOWN_TIMEOUT_MS } from '../../constants.ts'

export const start: Command = {
  path: ['start'],
  summary: 'Run the node in the foreground until Ctrl-C (SIGINT) or SIGTERM',
  usage: '[--listen MULTIADDR]... [--api HOST:PORT] [--bootstrap MULTIADDR]...',
  options: {
    listen: { type: 'string', multiple: true, help: 'libp2p listen address (default /ip4/0.0.0.0/tcp/4001)' },
    api: { type: 'string', help: 'Control API address (default 127.0.0.1:7878; port 0 picks a free one)' },
    bootstrap: { type: 'string', multiple: true, help: 'Extra member address to dial at start' }
  },
  async run (ctx, args) {
    const api = args.values.api != null ? parseHostPort(args.values.api as string, '--api') : undefined
    const node = await createMycelNode({
      home: ctx.home,
      env: ctx.env,
      ...passphraseOf(ctx),
      listen: stringList(args.values.listen),
      bootstrap: stringList(args.values.bootstrap),
      ...(api != null ? { api } : {})
    })
    const s = node.status()
    if (ctx.json) ctx.out.json({ event: 'started', ...s })
    else {
      ctx.out.line(`mycel node "${s.name}" (${s.peerId}) in org ${s.org?.name ?? '-'}`)
      for (const a of s.addresses) ctx.out.line(`  listening on ${a}`)
      ctx.out.line(`  control API ${s.api}`)
      ctx.out.line('Press Ctrl-C to stop.')
    }
    await new Promise<void>(resolve => {
      if (ctx.signal.aborted) { resolve(); return }
      ctx.signal.addEventListener('abort', () => { resolve() }, { once: true })
    })
    ctx.out.error('Stopping...')
    const timer = setTimeout(() => { ctx.out.error('mycel: shutdown is taking too long; forcing exit'); process.exit(1) }, SHUTDOWN_TIMEOUT_MS)
    timer.unref()
    await node.stop()
    clearTimeout(timer)
    ctx.out.error('Stopped.')
    // everything the node opened is closed; a socket or timer some library left behind must not keep the process up
    setTimeout(() => { process.exit(process.exitCode ?? 0) }, 500).unref()
  }
}
