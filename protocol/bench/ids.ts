/** Raw request/response over a libp2p stream, used as the baseline of `npm run bench` (scripts/bench/mesh.ts). */
export const BENCH_ECHO_PROTOCOL = '/mycel/bench-echo/1.0.0'
