/**
 * Mycel installs like any CLI (issue 17): `npm pack` builds the JavaScript
 * and packs no tests or CI files; `npm install -g` of that tarball into a
 * fresh prefix (from the registry, no install scripts run) gives a `mycel`
 * that runs `--version`, `init` and the whole demo from a folder outside the
 * checkout, on whatever `node` the PATH has without the checkout's Node 24.
 * The launcher's choice (run here, run under the package's own Node, or one
 * line for a Node that is too old) is checked on its own as well.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { REPO_ROOT } from '../helpers/harness.ts'

interface Run { code: number, stdout: string, stderr: string }

function run (cmd: string, args: string[], opts: { cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, opts.timeoutMs)
    child.once('error', reject)
    child.once('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout, stderr }) })
  })
}

/** PATH without the checkout's node_modules/.bin (its Node 24): the installed `mycel` must not lean on it. */
function userPath (prefixBin: string): string {
  const parts = (process.env.PATH ?? '').split(delimiter).filter(p => !p.includes('node_modules'))
  return [prefixBin, ...parts].join(delimiter)
}

const launcher = createRequire(import.meta.url)(join(REPO_ROOT, 'bin', 'mycel.cjs')) as {
  plan: (version: string, found?: string) => { action: string, message?: string, node?: string }
}

describe('launcher: which Node runs Mycel', { timeout: 10_000 }, () => {
  it('runs in place on Node 24+, under the package\'s Node on 20 to 23, and refuses older Node in one line', () => {
    assert.deepEqual(launcher.plan('v24.1.0', undefined), { action: 'run' })
    assert.deepEqual(launcher.plan('v26.0.0', '/x/node'), { action: 'run' })
    assert.deepEqual(launcher.plan('v20.20.2', '/pkg/node'), { action: 'exec', node: '/pkg/node' })
    assert.deepEqual(launcher.plan('v22.12.0', '/pkg/node'), { action: 'exec', node: '/pkg/node' })
    const old = launcher.plan('v18.19.0', '/pkg/node')
    assert.equal(old.action, 'refuse')
    assert.match(old.message ?? '', /^mycel: Node\.js 20 or newer is needed to run Mycel \(this is v18\.19\.0\)/)
    assert.doesNotMatch(old.message ?? '', /\n/)
    const missing = launcher.plan('v21.0.0', undefined)
    assert.equal(missing.action, 'refuse')
    assert.match(missing.message ?? '', /package's own Node \(node-[a-z]+-[a-z0-9]+\) is not installed/)
  })
})

describe('npm pack, npm install -g, mycel from anywhere', { timeout: 900_000 }, () => {
  let dir = ''
  let tarball = ''
  let env: NodeJS.ProcessEnv = {}
  let files: string[] = []
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mycel-install-'))
    const packed = await run(npm, ['pack', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, env: process.env, timeoutMs: 300_000 })
    assert.equal(packed.code, 0, packed.stderr.slice(-2000))
    // prepack's build prints a line before npm's JSON
    const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string, files: Array<{ path: string }> }>
    tarball = join(dir, info[0]?.filename ?? '')
    files = info[0]?.files.map(f => f.path) ?? []
    const prefix = join(dir, 'prefix')
    const installed = await run(npm, ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { cwd: dir, env: process.env, timeoutMs: 600_000 })
    assert.equal(installed.code, 0, installed.stderr.slice(-2000))
    const { NODE_OPTIONS: _o, ...rest } = process.env
    env = { ...rest, PATH: userPath(join(prefix, 'bin')), MYCEL_HOME: join(dir, 'home') }
    for (const k of Object.keys(env)) if (k.startsWith('NODE_TEST') || k.startsWith('npm_')) delete env[k]
  })
  after(async () => { if (dir !== '') await rm(dir, { recursive: true, force: true, maxRetries: 3 }) })

  it('the tarball carries the built CLI and the dashboard, and no tests, CI files or TypeScript sources', async () => {
    assert.ok((await stat(tarball)).size > 0)
    assert.ok(files.includes('bin/mycel.cjs'))
    assert.ok(files.includes('dist/node/cli/bin.js'))
    for (const asset of ['index.html', 'app.js', 'style.css']) assert.ok(files.includes(`dist/node/dashboard/${asset}`), asset)
    assert.deepEqual(files.filter(f => /^(test|\.ci|\.github)\//.test(f) || f.includes('/test/') || f.endsWith('.test.js')), [])
    assert.deepEqual(files.filter(f => f.endsWith('.ts')), [])
    assert.deepEqual(files.filter(f => f.startsWith('dist/scripts/bench/')), [])
  })

  it('mycel --version, init and help run from a folder outside the checkout', async () => {
    const cwd = await mkdtemp(join(dir, 'elsewhere-'))
    const version = await run('mycel', ['--version'], { cwd, env, timeoutMs: 60_000 })
    assert.equal(version.code, 0, version.stderr)
    const m = /^mycel (\d+\.\d+\.\d+) \(node (\d+)\.\d+\.\d+\)\n$/.exec(version.stdout)
    assert.ok(m != null, version.stdout)
    assert.equal(m[1], (createRequire(import.meta.url)(join(REPO_ROOT, 'package.json')) as { version: string }).version)
    assert.ok(Number(m[2]) >= 24, 'the CLI runs on Node 24+, the package\'s own where the system one is older')

    const init = await run('mycel', ['init', '--name', 'anywhere'], { cwd, env, timeoutMs: 60_000 })
    assert.equal(init.code, 0, init.stderr)
    assert.match(init.stdout, /^12D3KooW\w+\n$/)
    const id = await run('mycel', ['id', '--json'], { cwd, env, timeoutMs: 60_000 })
    assert.equal(JSON.parse(id.stdout).name, 'anywhere')

    const help = await run('mycel', ['help', 'service', 'install'], { cwd, env, timeoutMs: 60_000 })
    assert.equal(help.code, 0, help.stderr)
    assert.match(help.stdout, /^Usage: mycel service install/)
  })

  it('mycel demo runs the three-node organisation from the installed package', async () => {
    const cwd = await mkdtemp(join(dir, 'demo-'))
    const demo = await run('mycel', ['demo'], { cwd, env, timeoutMs: 300_000 })
    assert.equal(demo.code, 0, demo.stdout.slice(-2000) + demo.stderr.slice(-2000))
    assert.match(demo.stdout, /same bytes as alpha running it locally: yes/)
    assert.match(demo.stdout, /denied: .*denied by policy/)
    assert.match(demo.stdout, /Summary: everything worked/)
  })
})
