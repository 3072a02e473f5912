#!/usr/bin/env node
// Entry point of the `mycel` command: Node 24 runs this TypeScript in a checkout, its build (dist/) when installed.
import { useCompileCache } from './compile-cache.ts'

// everything a Mycel process writes in its home (databases, keys, api.json) is for its own user only
process.umask(0o077)
// before the CLI loads: its modules come from the compile cache when they are in it
useCompileCache()
const { main } = await import('./main.ts')

// `mycel … | head` closes the pipe while we write: stop quietly, as a command killed by SIGPIPE would, not with a stack
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

const controller = new AbortController()
let interrupted = 0
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupted++
    // a second Ctrl-C means "now": give up on a clean stop
    if (interrupted > 1) process.exit(130)
    controller.abort(new Error(`Received ${sig}`))
  })
}

process.exitCode = await main(process.argv.slice(2), { signal: controller.signal })
