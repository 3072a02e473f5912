/**
 * The text of a service definition that runs `mycel start` for one home:
 * a systemd user unit (logs to the journal, restarted on failure) or a
 * launchd agent (macOS; restarted unless it exited cleanly, logs in the
 * home). Pure: paths in, text out, so tests assert the exact content.
 *
 * See systemd.service(5), systemd.exec(5) and launchd.plist(5).
 */
import { createHash } from 'node:crypto'
import { RESTART_DELAY_S, SERVICE_NAME } from './constants.ts'

export type ServiceKind = 'systemd' | 'launchd'

export interface ServiceSpec {
  /** The mycel home the service runs. */
  home: string
  /** argv of the command that runs the CLI: a Node binary and the CLI's entry file. */
  command: string[]
  /** Extra `mycel start` arguments (`--listen`, `--api`). */
  startArgs?: string[]
  /** Seconds the service manager waits for a clean stop before killing. */
  stopTimeoutS: number
}

/** `mycel` for the default home, `mycel-<8 hex of the home's path>` for any other, so several homes get several services. */
export function serviceName (home: string, defaultHome: string): string {
  if (home === defaultHome) return SERVICE_NAME
  return `${SERVICE_NAME}-${createHash('sha256').update(home).digest('hex').slice(0, 8)}`
}

/** The full `mycel start` argv the service runs. */
export function startArgv (spec: ServiceSpec): string[] {
  return [...spec.command, 'start', '--home', spec.home, ...(spec.startArgs ?? [])]
}

/**
 * One ExecStart word: systemd splits on spaces, unquotes C-style escapes,
 * then expands `%` specifiers and `$` variables, so each word is quoted and
 * those characters doubled.
 */
function systemdWord (word: string): string {
  return '"' + word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$') + '"'
}

/** A value on a systemd line other than ExecStart: no quoting, but specifiers still expand. */
function systemdValue (value: string): string {
  return value.replace(/%/g, '%%').replace(/[\r\n]/g, ' ')
}

export function systemdUnit (spec: ServiceSpec): string {
  return [
    '[Unit]',
    `Description=Mycel node (home ${systemdValue(spec.home)})`,
    'Documentation=man:systemd.service(5)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${startArgv(spec).map(systemdWord).join(' ')}`,
    // MYCEL_PASSPHRASE for an encrypted key goes here (0600); the leading dash: the file is optional
    `EnvironmentFile=-${systemdValue(spec.home)}/service.env`,
    'Restart=on-failure',
    `RestartSec=${RESTART_DELAY_S}`,
    // the node stops cleanly on SIGTERM (tasks fail over, audit checkpointed) within its own deadline
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${spec.stopTimeoutS}`,
    'StandardOutput=journal',
    'StandardError=journal',
    'UMask=0077',
    '',
    '[Install]',
    'WantedBy=default.target',
    ''
  ].join('\n')
}

function xml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

export function launchdPlist (spec: ServiceSpec & { label: string, logFile: string }): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key><string>${xml(spec.label)}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...startArgv(spec).map(a => `    <string>${xml(a)}</string>`),
    '  </array>',
    '  <key>RunAtLoad</key><true/>',
    // restart on failure only, as systemd's Restart=on-failure
    '  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>',
    `  <key>ThrottleInterval</key><integer>${RESTART_DELAY_S}</integer>`,
    `  <key>ExitTimeOut</key><integer>${spec.stopTimeoutS}</integer>`,
    `  <key>StandardOutPath</key><string>${xml(spec.logFile)}</string>`,
    `  <key>StandardErrorPath</key><string>${xml(spec.logFile)}</string>`,
    '  <key>Umask</key><integer>63</integer>',
    '</dict>',
    '</plist>',
    ''
  ].join('\n')
}

/** Whether a written definition runs `command` (this Node and this CLI); after an upgrade moved either, it is out of date. */
export function runsCommand (kind: ServiceKind, text: string, command: string[]): boolean {
  if (kind === 'systemd') return text.split('\n').some(l => l.startsWith(`ExecStart=${command.map(systemdWord).join(' ')} "start" `))
  return text.includes(['  <array>', ...command.map(a => `    <string>${xml(a)}</string>`), '    <string>start</string>'].join('\n'))
}
