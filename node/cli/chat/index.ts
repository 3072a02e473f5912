/**
 * `mycel chat`: an interactive session on the terminal. `ChatLoop` holds the
 * rules (one turn at a time, Ctrl-C cancels a turn, twice exits);
 * `terminalChat` binds them to readline.
 *
 * @example
 * await terminalChat({ input: process.stdin, output: process.stdout, turn, note, signal })
 */
export { ChatLoop, type ChatLoopInit, type Interrupted } from './loop.ts'
export { terminalChat, type TerminalChatInit } from './terminal.ts'
export { CHAT_EXIT_WORDS, CHAT_PROMPT } from './constants.ts'
