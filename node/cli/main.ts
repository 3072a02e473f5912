/**
 * The `mycel` command line: finds the command named by the leading words,
 * parses its options (global ones such as `--home` are accepted anywhere on
 * the line), runs it, and maps errors to one line on stderr and an exit code.
 *
 * @example
 * process.exitCode = await main(['--home', '/tmp/a', 'id', '--json'])
 */
import { parseArgs } from 'node:util'
import { resolveHome } from '../home/home.ts'
import { UsageError } from './errors.ts'
import { consoleOutput, type Output } from './output.ts'
import { loadCommand, type Command, type ListedCommand, type OptionSpec, type ParsedArgs } from './command.ts'
import { commands as allCommands } from './commands/index.ts'

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  home: { type: 'string', help: 'Node home folder (default $MYCEL_HOME, else ~/.mycel)' },
  json: { type: 'boolean', help: 'Print machine-readable JSON' },
  verbose: { type: 'boolean', short: 'v', help: 'Print stack traces on errors' },
  help: { type: 'boolean', short: 'h', help: 'Show help' }
}

export interface MainOptions {
  out?: Output
  env?: NodeJS.ProcessEnv
  /** The command table; entries load their command only when chosen. @default every command (`commands/index.ts`) */
  commands?: ListedCommand[]
  signal?: AbortSignal
}

export async function main (argv: string[], opts: MainOptions = {}): Promise<number> {
  const out = opts.out ?? consoleOutput()
  const env = opts.env ?? process.env
  const commands = opts.commands ?? allCommands
  let verbose = argv.includes('--verbose') || argv.includes('-v') || (env.DEBUG ?? '') !== ''
  try {
    const { command: chosen, rest } = selectCommand([...commands, helpCommand(commands)], argv)
    if (chosen == null && (rest.includes('--version') || rest.includes('-V'))) {
      return await main(['version', ...rest.filter(a => a !== '--version' && a !== '-V')], { ...opts, commands: commands.filter(c => c.path.join(' ') === 'version') })
    }
    if (chosen == null) {
      if (rest.includes('--help') || rest.includes('-h') || rest.filter(a => !a.startsWith('-')).length === 0) {
        out.line(generalHelp(commands))
        return 0
      }
      throw new UsageError(`Unknown command: ${rest.filter(a => !a.startsWith('-')).join(' ')} (see \`mycel --help\`)`)
    }
    const command = await loadCommand(chosen)
    const args = parseCommandArgs(command, rest)
    if (args.values.help === true) {
      out.line(commandHelp(command))
      return 0
    }
    verbose = verbose || args.values.verbose === true
    const ctx = {
      home: resolveHome(args.values.home as string | undefined, env),
      json: args.values.json === true,
      verbose,
      out,
      env,
      signal: opts.signal ?? new AbortController().signal
    }
    const code = await command.run(ctx, args)
    return code ?? 0
  } catch (err) {
    return reportError(err, out, verbose)
  }
}

/** `mycel help [COMMAND...]`: the same text as `mycel [COMMAND...] --help`. */
function helpCommand (commands: ListedCommand[]): Command {
  return {
    path: ['help'],
    summary: 'Show the commands, or the options of one command',
    usage: '[COMMAND...]',
    positionals: { max: 3 },
    async run (ctx, args) {
      if (args.positionals.length === 0) { ctx.out.line(generalHelp(commands)); return }
      const { command, rest } = selectCommand(commands, args.positionals)
      if (command == null || rest.length > 0) throw new UsageError(`Unknown command: ${args.positionals.join(' ')} (see \`mycel help\`)`)
      ctx.out.line(commandHelp(await loadCommand(command)))
    }
  }
}

export function reportError (err: unknown, out: Output, verbose: boolean): number {
  const e = err instanceof Error ? err : new Error(String(err))
  out.error(`mycel: ${e.message}`)
  if (verbose && e.stack != null) out.error(e.stack)
  return e.name === UsageError.name ? 2 : 1
}

/** Picks the command whose words match the most leading non-option arguments. */
export function selectCommand<C extends { path: string[] }> (commands: C[], argv: string[]): { command?: C, rest: string[] } {
  const words: Array<{ word: string, index: number }> = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--home') { i++; continue }
    if (a.startsWith('-')) continue
    words.push({ word: a, index: i })
  }
  let best: C | undefined
  for (const c of commands) {
    if (c.path.length > words.length) continue
    if (c.path.every((w, i) => words[i]?.word === w) && (best == null || c.path.length > best.path.length)) best = c
  }
  if (best == null) return { rest: argv }
  const drop = new Set(words.slice(0, best.path.length).map(w => w.index))
  return { command: best, rest: argv.filter((_, i) => !drop.has(i)) }
}

export function parseCommandArgs (command: Command, rest: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean', multiple?: boolean, short?: string }> = {}
  for (const [name, spec] of Object.entries({ ...GLOBAL_OPTIONS, ...command.options })) {
    options[name] = { type: spec.type, ...(spec.multiple === true ? { multiple: true } : {}), ...(spec.short != null ? { short: spec.short } : {}) }
  }
  let parsed
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true, tokens: true })
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0] ?? 'Invalid arguments'} (see \`mycel ${command.path.join(' ')} --help\`)`)
  }
  let positionals = parsed.positionals
  let passthrough: string[] | undefined
  const terminator = parsed.tokens.find(t => t.kind === 'option-terminator')
  if (command.passthrough === true && terminator != null) {
    passthrough = parsed.tokens.flatMap(t => t.kind === 'positional' && t.index > terminator.index ? [t.value] : [])
    positionals = positionals.slice(0, positionals.length - passthrough.length)
  }
  if (parsed.values.help !== true) {
    const min = command.positionals?.min ?? 0
    const max = command.positionals?.max ?? 0
    if (positionals.length < min) throw new UsageError(`Missing argument: mycel ${command.path.join(' ')} ${command.usage ?? ''}`.trimEnd())
    if (positionals.length > max) throw new UsageError(`Unexpected argument "${truncate(positionals[max] ?? '')}" for \`mycel ${command.path.join(' ')}\``)
  }
  return { values: parsed.values as ParsedArgs['values'], positionals, ...(passthrough != null ? { passthrough } : {}) }
}

function truncate (s: string): string {
  return s.length > 40 ? s.slice(0, 37) + '...' : s
}

export function generalHelp (commands: Array<Pick<Command, 'path' | 'summary'>>): string {
  const width = Math.max(...commands.map(c => c.path.join(' ').length))
  return [
    'mycel: a mesh of peer nodes for sovereign, distributed intelligence',
    '',
    'Usage: mycel [--home DIR] [--json] [--verbose] COMMAND ...',
    '',
    'Commands:',
    ...commands.map(c => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Run `mycel help COMMAND` (or `mycel COMMAND --help`) for the options of one command; `mycel --version` for the version.'
  ].join('\n')
}

export function commandHelp (command: Command): string {
  const lines = [`Usage: mycel ${command.path.join(' ')} ${command.usage ?? ''}`.trimEnd(), '', command.summary, '', 'Options:']
  const all = { ...command.options, ...GLOBAL_OPTIONS }
  for (const [name, spec] of Object.entries(all)) {
    const flag = `${spec.short != null ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' VALUE' : ''}${spec.multiple === true ? ' (repeatable)' : ''}`
    lines.push(`  ${flag.padEnd(30)} ${spec.help}`)
  }
  return lines.join('\n')
}
