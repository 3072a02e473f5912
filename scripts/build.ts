/**
 * `npm run build` (and `prepack`): the JavaScript an installed package runs.
 * Node refuses to strip types under node_modules, so the published package
 * carries `dist/`, compiled by tsc with `.ts` imports rewritten to `.js`
 * (tsconfig.build.json), plus every non-TypeScript file the sources read at
 * run time beside themselves (the dashboard's page, script and styles), copied
 * to the same place in `dist/`.
 */
import { spawnSync } from 'node:child_process'
import { cp, readdir, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const OUT = join(ROOT, 'dist')
/** Source folders whose files ship; assets anywhere under them are copied. */
const SOURCE_DIRS = ['identity', 'protocol', 'node', 'scripts']
/** Under scripts/, only what the CLI runs (the demo and the model generator); benchmarks stay in the checkout. */
const SKIP = new Set([join('scripts', 'bench')])

async function copyAssets (dir: string): Promise<number> {
  let copied = 0
  for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true })) {
    const rel = join(dir, entry.name)
    if (SKIP.has(rel)) continue
    if (entry.isDirectory()) copied += await copyAssets(rel)
    else if (entry.isFile() && !entry.name.endsWith('.ts')) {
      await cp(join(ROOT, rel), join(OUT, rel))
      copied++
    }
  }
  return copied
}

await rm(OUT, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const res = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT })
if (res.status !== 0) {
  process.stderr.write(`build: tsc exited ${String(res.status)}\n`)
  process.exit(1)
}
let assets = 0
for (const dir of SOURCE_DIRS) assets += await copyAssets(dir)
process.stdout.write(`build: ${relative(ROOT, OUT)}/ written (${assets} asset file(s) copied)\n`)
