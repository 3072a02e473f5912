/** How long after `mycel start` is up its compile cache is written: a daemon may never exit cleanly, and the write should not delay joining. */
export const COMPILE_CACHE_FLUSH_DELAY_MS = 2_000
