/**
 * A throw-away mesh on this machine: temporary homes, `mycel` run as real
 * processes on 127.0.0.1, and polling with deadlines instead of sleeps. The
 * demo ships it (so it lives here, not under `test/`); tests and benchmarks
 * use it the same way.
 *
 * @example
 * const h = new Harness()
 * const a = await h.start(await h.found('acme', 'alpha'))
 * await waitFor(async () => (await a.peers()).length === 1)
 * await h.cleanup()
 */
export * from './harness.ts'
export * from './wait.ts'
