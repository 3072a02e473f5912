/**
 * Node's on-disk compile cache for the `mycel` process: the modules a start
 * loads (some 350 TypeScript files in a checkout, 1,200 modules in all)
 * cost half their load time in compiling (type stripping, V8 parsing); with
 * the cache a later start reuses that work. The cache is Node's own
 * (`module.enableCompileCache`): entries are checked against the source,
 * so an edited file is compiled again. It lives in the user's cache folder,
 * not the shared temp folder; `NODE_COMPILE_CACHE` names another folder,
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 */
import { enableCompileCache, flushCompileCache } from 'node:module'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { COMPILE_CACHE_FLUSH_DELAY_MS } from './constants.ts'

export function compileCacheDir (env: NodeJS.ProcessEnv = process.env): string {
  if (env.NODE_COMPILE_CACHE != null && env.NODE_COMPILE_CACHE !== '') return env.NODE_COMPILE_CACHE
  const base = env.XDG_CACHE_HOME != null && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(base, 'mycel', 'compile-cache')
}

/** Enables the cache for every module loaded after this call; a cache that cannot be used is no error. */
export function useCompileCache (env: NodeJS.ProcessEnv = process.env): void {
  try {
    enableCompileCache(compileCacheDir(env))
  } catch {}
}

/** Writes what is compiled so far a little later (Node writes it only at a clean exit): for a long-running `mycel start`. */
export function flushCompileCacheSoon (delayMs = COMPILE_CACHE_FLUSH_DELAY_MS): void {
  setTimeout(() => { try { flushCompileCache() } catch {} }, delayMs).unref()
}
