/**
 * The shape every CLI command has. A command declares its options; the
 * dispatcher in `main.ts` parses and validates them (no side effects), then
 * calls `run` with the parsed values.
 */
import type { Output } from './output.ts'

export interface OptionSpec {
  type: 'string' | 'boolean'
  multiple?: boolean
  short?: string
  /** One line for `--help`. */
  help: string
}

export interface CommandContext {
  /** Absolute home folder (`--home`, else `$MYCEL_HOME`, else `~/.mycel`). */
  home: string
  json: boolean
  verbose: boolean
  out: Output
  env: NodeJS.ProcessEnv
  /** Fires on SIGINT/SIGTERM for long-running commands. */
  signal: AbortSignal
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>
  positionals: string[]
  /** For a command with `passthrough`: the words after `--`, untouched; undefined when the line has no `--`. */
  passthrough?: string[]
}

export interface Command {
  /** Words that select this command, e.g. `['invite', 'create']`. */
  path: string[]
  summary: string
  /** Argument synopsis after the command words, e.g. `[--uses N] INVITE`. */
  usage?: string
  options?: Record<string, OptionSpec>
  positionals?: { min?: number, max?: number }
  /** Words after `--` go to `args.passthrough` (a program and its arguments), not to the positionals. */
  passthrough?: boolean
  run: (ctx: CommandContext, args: ParsedArgs) => Promise<number | void>
}

/**
 * A command as the command table lists it: its words and summary (all that
 * `mycel --help` shows), and how to load the rest. Only the chosen
 * command's module loads, so `mycel --version` does not load the node.
 */
export interface CommandEntry {
  path: string[]
  summary: string
  load: () => Promise<Command>
}

/** A full command, or a table entry that loads one. */
export type ListedCommand = Command | CommandEntry

export async function loadCommand (c: ListedCommand): Promise<Command> {
  return 'load' in c ? await c.load() : c
}
