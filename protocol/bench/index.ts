/**
 * The benchmark's raw request/response protocol: the libp2p baseline that
 * delegated-task figures are compared with (`npm run bench -- mesh`).
 *
 * @example
 * await host.handle(BENCH_ECHO_PROTOCOL, echoHandler)
 */
export { BENCH_ECHO_PROTOCOL } from './ids.ts'
