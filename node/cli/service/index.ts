/**
 * Running a node as a service: the systemd user unit or launchd agent text
 * for `mycel start --home H` (restart on failure, logs to the journal), where
 * it is written, and how the service manager is told.
 *
 * @example
 * const loc = serviceLocation('systemd', serviceName(home, defaultHome), env, homedir())
 * await writeFile(loc.file, systemdUnit({ home, command: [process.execPath, entry], stopTimeoutS: 30 }))
 * await runManager('systemd', ['enable', '--now', loc.unit], env)
 */
export { serviceName, startArgv, runsCommand, systemdUnit, launchdPlist, type ServiceKind, type ServiceSpec } from './unit.ts'
export { serviceLocation, findManager, runManager, type ServiceLocation, type ManagerResult } from './manager.ts'
