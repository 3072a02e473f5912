/**
 * `mycel service install|uninstall|status` (issue 17): the systemd user unit
 * it writes runs `mycel start` for this home with this Node and this CLI,
 * restarts on failure and logs to the journal, and `systemd-analyze verify`
 * (systemd's own checker, where installed) accepts it, also for a home whose
 * path has spaces and `%`. A machine without systemctl gets the file and one
 * line saying what to run; an unreachable manager is an error line; the
 * manager is told `daemon-reload` and `enable --now`. Run in-process with
 * HOME, XDG_CONFIG_HOME and PATH pointing into a temporary folder.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { Harness, REPO_ROOT, type CliResult } from '../helpers/harness.ts'

const h = new Harness()

/** `mycel ARGS` in this process with exactly these HOME, XDG_CONFIG_HOME and PATH. */
async function mycel (args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const at = args.indexOf('--home')
  return await h.cliInProcess(args[at + 1] as string, args.filter((_, i) => i !== at && i !== at + 1), { env })
}

/** systemd-analyze on the real PATH, or undefined where systemd is not installed. */
async function systemdAnalyze (): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'systemd-analyze')
    try { await access(p); return p } catch {}
  }
  return undefined
}

describe('mycel service', { timeout: 120_000 }, () => {
  let dir = ''
  let home = ''
  let env: NodeJS.ProcessEnv = {}
  const unitDir = (): string => join(dir, 'xdg', 'systemd', 'user')

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mycel-service-'))
    home = join(dir, 'my home %n')
    await mkdir(join(dir, 'bin'))
    // no systemctl on this PATH unless a test puts one there
    env = { HOME: join(dir, 'user'), XDG_CONFIG_HOME: join(dir, 'xdg'), PATH: join(dir, 'bin') }
    assert.equal((await mycel(['--home', home, 'init', '--name', 'svc'], env)).code, 0)
  })
  after(async () => { await rm(dir, { recursive: true, force: true }); await h.cleanup() })

  async function unitFile (): Promise<{ name: string, text: string }> {
    const res = await mycel(['--home', home, 'service', 'status', '--json'], env)
    const s = JSON.parse(res.stdout) as { unit: string, file: string }
    return { name: s.unit, text: await readFile(s.file, 'utf8') }
  }

  it('--dry-run prints the unit and where it goes, and writes nothing', async () => {
    const res = await mycel(['--home', home, 'service', 'install', '--dry-run'], env)
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, new RegExp(`^# would write ${unitDir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/mycel-[0-9a-f]{8}\\.service\n\\[Unit\\]`))
    assert.match(res.stdout, /# then: systemctl --user daemon-reload && systemctl --user enable --now mycel-[0-9a-f]{8}\.service\n$/)
    await assert.rejects(access(unitDir()))
  })

  it('install without systemctl writes a unit for `mycel start --home H` and says what to run', async () => {
    const res = await mycel(['--home', home, 'service', 'install', '--api', '127.0.0.1:7979'], env)
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /systemctl not found on PATH: the service manager is not here; where it runs: systemctl --user daemon-reload && systemctl --user enable --now mycel-[0-9a-f]{8}\.service/)
    const { text } = await unitFile()
    const exec = text.split('\n').find(l => l.startsWith('ExecStart='))
    const home8 = home.replace(/%/g, '%%')
    assert.equal(exec, `ExecStart="${process.execPath}" "${join(REPO_ROOT, 'node', 'cli', 'bin.ts')}" "start" "--home" "${home8}" "--api" "127.0.0.1:7979"`)
    for (const line of ['Restart=on-failure', 'StandardOutput=journal', 'StandardError=journal', 'WantedBy=default.target', 'KillSignal=SIGTERM', `EnvironmentFile=-${home8}/service.env`]) {
      assert.ok(text.split('\n').includes(line), line)
    }
    assert.doesNotMatch(text, /token/i)
  })

  it('systemd accepts the unit it wrote', async () => {
    const analyze = await systemdAnalyze()
    const { name, text } = await unitFile()
    assert.match(text, /^\[Unit\]\nDescription=Mycel node/)
    if (analyze == null) return // not a systemd machine: the content checks above are all there is
    const runtime = await mkdtemp(join(dir, 'run-'))
    const copy = join(dir, name)
    await writeFile(copy, text)
    const res = await promisify(execFile)(analyze, ['--user', 'verify', copy], { env: { ...process.env, XDG_RUNTIME_DIR: runtime }, encoding: 'utf8' }).then(r => ({ code: 0, stderr: r.stderr }), (err: { code?: number, stderr?: string }) => ({ code: err.code ?? 1, stderr: err.stderr ?? '' }))
    assert.equal(res.code, 0, res.stderr)
    assert.equal(res.stderr.trim(), '')
  })

  it('status says it is installed and current, and no node runs', async () => {
    const res = await mycel(['--home', home, 'service', 'status'], env)
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /^installed {2}yes\n/m)
    assert.match(res.stdout, /^node {7}not running$/m)
  })

  it('tells systemctl --user to reload and enable it, and reports a manager it cannot reach', async () => {
    const calls = join(dir, 'calls.txt')
    const fake = join(dir, 'bin', 'systemctl')
    // stands in for the user's service manager only: records what it is told
    await writeFile(fake, `#!/bin/sh\necho "$@" >> '${calls}'\n[ -n "$FAIL" ] && { echo "Failed to connect to bus: No medium found" >&2; exit 1; }\nexit 0\n`)
    await chmod(fake, 0o755)
    const ok = await mycel(['--home', home, 'service', 'install'], env)
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /mycel-[0-9a-f]{8}\.service enabled and started; logs: journalctl --user -u mycel-[0-9a-f]{8}\.service -f/)
    const { name } = await unitFile()
    assert.deepEqual((await readFile(calls, 'utf8')).trim().split('\n'), ['--user daemon-reload', `--user enable --now ${name}`, `--user is-active ${name}`])

    const failed = await mycel(['--home', home, 'service', 'install'], { ...env, FAIL: '1' })
    assert.equal(failed.code, 1)
    assert.equal(failed.stderr, `mycel: systemctl --user daemon-reload failed: Failed to connect to bus: No medium found; run \`systemctl --user daemon-reload && systemctl --user enable --now ${name}\` where the user's service manager runs\n`)
    await rm(fake)
  })

  it('uninstall removes the unit', async () => {
    const res = await mycel(['--home', home, 'service', 'uninstall'], env)
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /^removed .*\.service\n/)
    assert.match((await mycel(['--home', home, 'service', 'status'], env)).stdout, /^installed {2}no$/m)
  })

  it('writes a launchd agent that restarts on failure for macOS', async () => {
    const res = await mycel(['--home', home, 'service', 'install', '--kind', 'launchd', '--dry-run'], env)
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, new RegExp(`# would write ${join(dir, 'user', 'Library', 'LaunchAgents').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/org\\.mycel\\.node-[0-9a-f]{8}\\.plist`))
    assert.match(res.stdout, /<key>ProgramArguments<\/key>\n {2}<array>\n {4}<string>[^<]+<\/string>\n {4}<string>[^<]+bin\.ts<\/string>\n {4}<string>start<\/string>\n {4}<string>--home<\/string>/)
    assert.match(res.stdout, /<key>KeepAlive<\/key><dict><key>SuccessfulExit<\/key><false\/><\/dict>/)
  })

  it('refuses a home that has no node yet, and a kind it does not know', async () => {
    const none = await mycel(['--home', join(dir, 'empty'), 'service', 'install'], env)
    assert.equal(none.code, 1)
    assert.match(none.stderr, /^mycel: .*init/)
    const kind = await mycel(['--home', home, 'service', 'install', '--kind', 'upstart'], env)
    assert.equal(kind.code, 2)
    assert.equal(kind.stderr, 'mycel: --kind must be systemd or launchd (got "upstart")\n')
  })
})
