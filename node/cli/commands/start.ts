/**
 * `mycel start`: runs the node in the foreground. SIGINT or SIGTERM stops it
 * in order (the API stops accepting and open task streams end with an error
 * line, tasks fail over, the executor stops, the audit log is checkpointed,
 * the database closed, `api.json` removed) within `SHUTDOWN_TIMEOUT_MS`; a
 * stop that takes longer, or a second signal, exits at once.
 */
import type { Command } from '../command.ts'
import { AddressInUseError, createMycelNode } from '../../assembly/index.ts'
import { homePaths } from '../../home/home.ts'
import { formatTaskLine, type TaskOutcome } from '../../metrics/index.ts'
import { UsageError } from '../errors.ts'
import type { Output } from '../output.ts'
import { parseHostPort, stringList, threadsOption } from '../parse.ts'
import { passphraseOf } from '../home-state.ts'
import { flushCompileCacheSoon } from '../compile-cache.ts'
import { SHUTDOWN_TIMEOUT_MS } from '../../constants.ts'

export const start: Command = {
  path: ['start'],
  summary: 'Run the node in the foreground until Ctrl-C (SIGINT) or SIGTERM',
  usage: '[--listen MULTIADDR]... [--api HOST:PORT] [--bootstrap MULTIADDR]... [--threads N]',
  options: {
    listen: { type: 'string', multiple: true, help: 'libp2p listen address (default /ip4/0.0.0.0/tcp/4001)' },
    api: { type: 'string', help: 'Control API address (default 127.0.0.1:7878; port 0 picks a free one)' },
    bootstrap: { type: 'string', multiple: true, help: 'Extra member address to dial at start' },
    threads: { type: 'string', help: 'CPU threads per model context (or MYCEL_THREADS; default 1 on 2 cores or fewer, else llama.cpp\'s choice)' }
  },
  async run (ctx, args) {
    const api = args.values.api != null ? parseHostPort(args.values.api as string, '--api') : undefined
    const threads = threadsOption(args.values.threads, ctx.env)
    const onTask = (t: TaskOutcome): void => { if (ctx.json) ctx.out.json({ event: 'task', ...t }); else ctx.out.line(formatTaskLine(t)) }
    let node
    try {
      node = await createMycelNode({
        home: ctx.home,
        env: ctx.env,
        ...passphraseOf(ctx),
        listen: stringList(args.values.listen),
        bootstrap: stringList(args.values.bootstrap),
        ...(api != null ? { api } : {}),
        ...(threads != null ? { runtime: { threads } } : {}),
        onTask
      })
    } catch (err) {
      // a taken port is the user's to change: say which flag does it
      if ((err as Error).name === AddressInUseError.name) {
        const e = err as AddressInUseError
        throw new UsageError(`${e.message}; choose another with ${e.which === 'api' ? '--api HOST:PORT (port 0 picks a free one)' : '--listen MULTIADDR (e.g. /ip4/0.0.0.0/tcp/0 picks a free port)'}`)
      }
      throw err
    }
    const s = node.status()
    if (ctx.json) ctx.out.json({ event: 'started', ...s, urls: urlsOf(s.api), tokenFile: homePaths(ctx.home).api })
    else banner(ctx.out, s, homePaths(ctx.home).api)
    flushCompileCacheSoon()
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

/** Where each door of the one API server is. */
function urlsOf (api: string): { dashboard: string, openai: string, mcp: string } {
  return { dashboard: `${api}/`, openai: `${api}/v1`, mcp: `${api}/mcp` }
}

/** What a user needs to reach the node; the token itself is never printed (logs and journals keep it), only the file holding it. */
function banner (out: Output, s: { name: string, peerId: string, org?: { name: string } | null, addresses: string[], api: string }, tokenFile: string): void {
  const urls = urlsOf(s.api)
  out.line(`mycel node "${s.name}" (${s.peerId}) in org ${s.org?.name ?? '-'}`)
  for (const a of s.addresses) out.line(`  listening on ${a}`)
  out.line(`  dashboard    ${urls.dashboard}`)
  out.line(`  OpenAI API   ${urls.openai}`)
  out.line(`  MCP          ${urls.mcp}`)
  out.line(`  control API  ${s.api}`)
  out.line(`  API token    in ${tokenFile} ("token"; \`mycel\` commands read it there)`)
  out.line('Press Ctrl-C to stop.')
}
