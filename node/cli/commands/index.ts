/** Every CLI command, in the order `mycel --help` lists them. */
import type { Command } from '../command.ts'
import { version } from './version.ts'

export const commands: Command[] = [
  version
]
