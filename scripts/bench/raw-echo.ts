/**
 * The raw request/response baseline's echo side (`rawRequestResponse` in
 * mesh.ts): Mycel's framing on a bare libp2p stream, each frame sent back.
 *
 * Run as a script it is that echo side in a process of its own, so the
 * baseline can be measured between two processes as a delegated task is
 * between two nodes: it takes the pre-shared key as hex in
 * `MYCEL_BENCH_PSK`, prints its address on the first line of stdout, and
 * serves until its stdin closes.
 */
import { generateKeyPair as generateLibp2pKey } from '@libp2p/crypto/keys'
import { createHost, type MycelHost } from '../../node/net/host.ts'
import { frame } from '../../node/streams.ts'
import { fromHex } from '../../identity/bytes.ts'
import { pskToPnetKey } from '../../identity/psk.ts'
import { BENCH_ECHO_PROTOCOL } from '../../protocol/bench/ids.ts'

export const RAW_ECHO_PSK_ENV = 'MYCEL_BENCH_PSK'

/** Answers every frame on the bench echo protocol with itself, until the delegator closes. */
export async function serveBenchEcho (host: MycelHost): Promise<void> {
  await host.handle(BENCH_ECHO_PROTOCOL, async (stream) => {
    const framed = frame(stream, { maxFrameBytes: 64 * 1024 })
    try {
      for (;;) {
        const msg = await framed.readOrEnd(b => b)
        if (msg == null) break
        await framed.write(msg)
      }
      await framed.close()
    } catch (err) {
      framed.reset(err as Error)
    }
  }, { maxInboundStreams: 1024 })
}

async function main (): Promise<void> {
  const psk = process.env[RAW_ECHO_PSK_ENV]
  if (psk == null || !/^[0-9a-f]{64}$/.test(psk)) throw new Error(`${RAW_ECHO_PSK_ENV} must hold a 32-byte pre-shared key as hex`)
  const host = await createHost({ privateKey: await generateLibp2pKey('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], orgId: 'bench', swarmKey: pskToPnetKey(fromHex(psk)) })
  await host.start()
  await serveBenchEcho(host)
  process.stdout.write(`${host.getMultiaddrs()[0]?.toString() ?? ''}\n`)
  const stop = (): void => { void Promise.resolve(host.stop()).finally(() => process.exit(0)) }
  process.stdin.on('end', stop)
  process.stdin.resume()
  process.on('SIGTERM', stop)
}

if (import.meta.main) await main()
