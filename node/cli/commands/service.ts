/**
 * `mycel service install|uninstall|status`: runs `mycel start` for this home
 * as a service of the user's session: a systemd user unit on Linux (journal
 * logs, Restart=on-failure), a launchd agent on macOS. `--dry-run` prints
 * what would be written and changes nothing; where the manager is absent or
 * unreachable the file is still written and the line says what to run.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command, CommandContext, ParsedArgs } from '../command.ts'
import { UsageError } from '../errors.ts'
import { readHome } from '../home-state.ts'
import { parseHostPort, stringList } from '../parse.ts'
import { resolveHome } from '../../home/home.ts'
import { readApiFile } from '../../api/client.ts'
import { SHUTDOWN_TIMEOUT_MS } from '../../constants.ts'
import { launchdPlist, runManager, runsCommand, serviceLocation, serviceName, systemdUnit, type ManagerResult, type ServiceKind, type ServiceLocation } from '../service/index.ts'

/** The CLI's own entry beside this folder: the TypeScript in a checkout, the built JavaScript when installed. */
const CLI_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../bin.ts' : '../bin.js', import.meta.url))

const KIND_OPTION = { type: 'string' as const, help: 'systemd or launchd (default: launchd on macOS, systemd elsewhere)' }
const DRY_RUN_OPTION = { type: 'boolean' as const, help: 'Print the file and the manager commands; change nothing' }

function kindOf (args: ParsedArgs): ServiceKind {
  const k = args.values.kind as string | undefined
  if (k == null) return process.platform === 'darwin' ? 'launchd' : 'systemd'
  if (k !== 'systemd' && k !== 'launchd') throw new UsageError(`--kind must be systemd or launchd (got "${k.slice(0, 20)}")`)
  return k
}

interface Planned { loc: ServiceLocation, text: string, command: string[] }

function plan (ctx: CommandContext, args: ParsedArgs): Planned {
  const kind = kindOf(args)
  const userHome = ctx.env.HOME ?? homedir()
  const name = serviceName(ctx.home, resolveHome(undefined, { HOME: userHome }))
  const loc = serviceLocation(kind, name, ctx.env, userHome)
  const api = args.values.api != null ? parseHostPort(args.values.api as string, '--api') : undefined
  const startArgs = [...stringList(args.values.listen).flatMap(l => ['--listen', l]), ...(api != null ? ['--api', api] : [])]
  // the running Node is one Mycel runs on (this process proves it), so the service needs no launcher
  const spec = { home: ctx.home, command: [process.execPath, CLI_ENTRY], startArgs, stopTimeoutS: Math.ceil(SHUTDOWN_TIMEOUT_MS / 1000) + 10 }
  const text = kind === 'systemd' ? systemdUnit(spec) : launchdPlist({ ...spec, label: loc.unit, logFile: join(ctx.home, 'logs', 'mycel.log') })
  return { loc, text, command: spec.command }
}

/** The manager calls for each action, as the user would type them. */
function managerSteps (loc: ServiceLocation, action: 'install' | 'uninstall'): string[][] {
  if (loc.kind === 'launchd') return action === 'install' ? [['load', '-w', loc.file]] : [['unload', '-w', loc.file]]
  return action === 'install' ? [['daemon-reload'], ['enable', '--now', loc.unit]] : [['disable', '--now', loc.unit], ['daemon-reload']]
}

function typed (loc: ServiceLocation, step: string[]): string {
  return loc.kind === 'systemd' ? `systemctl --user ${step.join(' ')}` : `launchctl ${step.join(' ')}`
}

async function runSteps (ctx: CommandContext, loc: ServiceLocation, steps: string[][]): Promise<ManagerResult> {
  let last: ManagerResult = { ok: true, stdout: '' }
  for (const step of steps) {
    last = await runManager(loc.kind, step, ctx.env)
    if (!last.ok) return last
  }
  return last
}

/** One line about the manager's answer, and the exit code: absent is no failure (the file is the product), unreachable is. */
function reportManager (ctx: CommandContext, loc: ServiceLocation, steps: string[][], r: ManagerResult, done: string): number {
  const todo = steps.map(s => typed(loc, s)).join(' && ')
  if (r.ok) { ctx.out.line(done); return 0 }
  if (r.reason === 'absent') { ctx.out.line(`${r.message}: the service manager is not here; where it runs: ${todo}`); return 0 }
  ctx.out.error(`mycel: ${typed(loc, steps[0] ?? [])} failed: ${r.message}; run \`${todo}\` where the user's service manager runs`)
  return 1
}

const startOptions = {
  listen: { type: 'string' as const, multiple: true, help: 'libp2p listen address for the service\'s `mycel start`' },
  api: { type: 'string' as const, help: 'Control API address for the service\'s `mycel start` (HOST:PORT)' }
}

export const serviceInstall: Command = {
  path: ['service', 'install'],
  summary: 'Run this home\'s node as a user service (systemd unit or launchd agent), restarted on failure',
  usage: '[--dry-run] [--kind systemd|launchd] [--listen MULTIADDR]... [--api HOST:PORT]',
  options: { 'dry-run': DRY_RUN_OPTION, kind: KIND_OPTION, ...startOptions },
  async run (ctx, args) {
    await readHome(ctx)
    const { loc, text } = plan(ctx, args)
    const steps = managerSteps(loc, 'install')
    if (args.values['dry-run'] === true) {
      if (ctx.json) { ctx.out.json({ dryRun: true, kind: loc.kind, unit: loc.unit, file: loc.file, content: text, then: steps.map(s => typed(loc, s)) }); return }
      ctx.out.line(`# would write ${loc.file}`)
      ctx.out.write(text)
      ctx.out.line(`# then: ${steps.map(s => typed(loc, s)).join(' && ')}`)
      return
    }
    await mkdir(dirname(loc.file), { recursive: true })
    if (loc.kind === 'launchd') await mkdir(join(ctx.home, 'logs'), { recursive: true, mode: 0o700 })
    await writeFile(loc.file, text, { mode: 0o644 })
    const r = await runSteps(ctx, loc, steps)
    if (ctx.json) { ctx.out.json({ kind: loc.kind, unit: loc.unit, file: loc.file, manager: r.ok ? 'enabled' : r.reason, ...(r.ok ? {} : { message: r.message }) }); return r.ok || r.reason === 'absent' ? 0 : 1 }
    ctx.out.line(`wrote ${loc.file}`)
    const logs = loc.kind === 'systemd' ? `journalctl --user -u ${loc.unit} -f` : join(ctx.home, 'logs', 'mycel.log')
    return reportManager(ctx, loc, steps, r, `${loc.unit} enabled and started; logs: ${logs}`)
  }
}

export const serviceUninstall: Command = {
  path: ['service', 'uninstall'],
  summary: 'Stop and remove this home\'s user service',
  usage: '[--dry-run] [--kind systemd|launchd]',
  options: { 'dry-run': DRY_RUN_OPTION, kind: KIND_OPTION },
  async run (ctx, args) {
    const { loc } = plan(ctx, args)
    const steps = managerSteps(loc, 'uninstall')
    if (args.values['dry-run'] === true) {
      ctx.out.line(`# would run: ${typed(loc, steps[0] ?? [])}, remove ${loc.file}, then ${steps.slice(1).map(s => typed(loc, s)).join(' && ') || 'nothing'}`)
      return
    }
    const stop = await runSteps(ctx, loc, steps.slice(0, 1))
    await rm(loc.file, { force: true })
    const reload = stop.ok ? await runSteps(ctx, loc, steps.slice(1)) : stop
    if (ctx.json) { ctx.out.json({ kind: loc.kind, unit: loc.unit, removed: loc.file, manager: reload.ok ? 'stopped' : reload.reason }); return reload.ok || reload.reason === 'absent' ? 0 : 1 }
    ctx.out.line(`removed ${loc.file}`)
    return reportManager(ctx, loc, steps, reload, `${loc.unit} stopped and disabled`)
  }
}

export const serviceStatus: Command = {
  path: ['service', 'status'],
  summary: 'Show whether this home\'s service is installed, current, enabled and running',
  usage: '[--kind systemd|launchd]',
  options: { kind: KIND_OPTION },
  async run (ctx, args) {
    const { loc, command } = plan(ctx, args)
    const written = await readFile(loc.file, 'utf8').catch(() => undefined)
    const current = written != null && runsCommand(loc.kind, written, command)
    const installed = written == null ? 'no' : current ? 'yes' : 'yes, but it runs another Node or Mycel (run `mycel service install` again)'
    const query = loc.kind === 'systemd' ? ['is-active', loc.unit] : ['list', loc.unit]
    const r = written == null ? undefined : await runManager(loc.kind, query, ctx.env)
    const manager = r == null ? '-' : r.ok ? r.stdout.trim().split('\n')[0] ?? '' : r.stdout.trim() !== '' ? r.stdout.trim().split('\n')[0] ?? '' : `unknown (${r.message})`
    const api = await readApiFile(ctx.home)
    const node = api != null ? `running (pid ${api.pid}, API ${api.url})` : 'not running'
    if (ctx.json) { ctx.out.json({ kind: loc.kind, unit: loc.unit, file: loc.file, installed: written != null, current, manager, node }); return }
    ctx.out.line(`unit       ${loc.unit} (${loc.kind})`)
    ctx.out.line(`file       ${loc.file}`)
    ctx.out.line(`installed  ${installed}`)
    ctx.out.line(`manager    ${manager}`)
    ctx.out.line(`node       ${node}`)
  }
}

export const serviceCommands: Command[] = [serviceInstall, serviceUninstall, serviceStatus]
