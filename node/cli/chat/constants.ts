/** Lines that end the chat like Ctrl-D. */
export const CHAT_EXIT_WORDS = ['/exit', '/quit']
/** The prompt shown before each line. */
export const CHAT_PROMPT = '> '
