/**
 * The `mycel` command line: `main` parses the words, finds the command
 * (one file per command under `commands/`), and runs it with an `Output`
 * that prints lines, tables, JSON or progress; a user sees one clear line
 * and a non-zero exit code on errors, a stack only with `--verbose`/`DEBUG`.
 *
 * @example
 * const code = await main(['--home', home, 'status', '--json'], { out, env: process.env })
 */
export { main } from './main.ts'
export type { Output } from './output.ts'
