/**
 * Where a service definition lives and how the service manager is told:
 * systemd's user manager (`systemctl --user`) on Linux, launchd
 * (`launchctl`) on macOS. A manager that is absent (no systemctl on PATH)
 * or unreachable (a container without a user bus) is reported as such, with
 * the command the user can run where it works; the file is still written.
 */
import { execFile } from 'node:child_process'
import { access, constants as fsConstants } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { LAUNCHD_LABEL_PREFIX, MANAGER_TIMEOUT_MS, MAX_MANAGER_OUTPUT_BYTES } from './constants.ts'
import type { ServiceKind } from './unit.ts'

export interface ServiceLocation {
  kind: ServiceKind
  /** `mycel.service` / `org.mycel.node`. */
  unit: string
  /** The file the definition is written to. */
  file: string
}

export function serviceLocation (kind: ServiceKind, name: string, env: NodeJS.ProcessEnv, userHome: string): ServiceLocation {
  if (kind === 'launchd') {
    const label = LAUNCHD_LABEL_PREFIX + name.slice('mycel'.length)
    return { kind, unit: label, file: join(userHome, 'Library', 'LaunchAgents', `${label}.plist`) }
  }
  // systemd looks in $XDG_CONFIG_HOME/systemd/user, ~/.config/systemd/user when unset (systemd.unit(5))
  const config = env.XDG_CONFIG_HOME != null && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(userHome, '.config')
  return { kind, unit: `${name}.service`, file: join(config, 'systemd', 'user', `${name}.service`) }
}

export type ManagerResult =
  | { ok: true, stdout: string }
  | { ok: false, reason: 'absent' | 'failed', message: string, stdout: string }

/** The manager binary for this kind on `env.PATH`, or undefined. */
export async function findManager (kind: ServiceKind, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const name = kind === 'launchd' ? 'launchctl' : 'systemctl'
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      await access(candidate, fsConstants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

/** Runs the manager (`systemctl --user ARGS`, `launchctl ARGS`); never throws. */
export async function runManager (kind: ServiceKind, args: string[], env: NodeJS.ProcessEnv): Promise<ManagerResult> {
  const bin = await findManager(kind, env)
  if (bin == null) return { ok: false, reason: 'absent', message: `${kind === 'launchd' ? 'launchctl' : 'systemctl'} not found on PATH`, stdout: '' }
  const argv = kind === 'systemd' ? ['--user', ...args] : args
  return await new Promise(resolve => {
    execFile(bin, argv, { env, timeout: MANAGER_TIMEOUT_MS, maxBuffer: MAX_MANAGER_OUTPUT_BYTES, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err == null) { resolve({ ok: true, stdout }); return }
      const line = (stderr.trim() !== '' ? stderr : err.message).trim().split('\n')[0] ?? ''
      resolve({ ok: false, reason: 'failed', message: line.slice(0, 300), stdout })
    })
  })
}
