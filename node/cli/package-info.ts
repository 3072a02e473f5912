/**
 * This package's name and version, read from its package.json. Found by
 * walking up from this file, because the checkout runs it from
 * `node/cli/` and an installed package from `dist/node/cli/`.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface PackageInfo { name: string, version: string, root: string }

const MAX_PACKAGE_JSON_BYTES = 64 * 1024
let cached: PackageInfo | undefined

export function packageInfo (): PackageInfo {
  if (cached != null) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    try {
      const text = readFileSync(join(dir, 'package.json'), 'utf8').slice(0, MAX_PACKAGE_JSON_BYTES)
      const pkg = JSON.parse(text) as { name?: unknown, version?: unknown }
      if (pkg.name === 'mycel' && typeof pkg.version === 'string') {
        cached = { name: pkg.name, version: pkg.version, root: dir }
        return cached
      }
    } catch {}
    const up = dirname(dir)
    if (up === dir) return { name: 'mycel', version: 'unknown', root: dir }
    dir = up
  }
}
