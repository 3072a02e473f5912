/**
 * libp2p hosts that are not Mycel nodes: they hold an org's pre-shared key
 * (so they get past the outer fence) but no membership, which is what a
 * gate test or a fuzzer needs. Plus reading a home's org settings.
 *
 * @example
 * const intruder = await pskHost(t, await orgPsk(founderHome))
 * const conn = await intruder.dial(multiaddr(addr))
 */
import { join } from 'node:path'
import { readFile } from 'node:fs/promises'
import { generateKeyPair as generateLibp2pKey } from '@libp2p/crypto/keys'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { preSharedKey } from '@libp2p/pnet'
import type { PrivateKey } from '@libp2p/interface'
import { createHost, type MycelHost } from '../../node/net/host.ts'
import type { NodeConfig, OrgSettings } from '../../node/home/config.ts'
import { loadOrgPsk } from '../../node/home/psk.ts'
import { homePaths } from '../../node/home/home.ts'
import { pskToPnetKey } from '../../identity/psk.ts'
import type { AfterHook } from './harness.ts'

/** The org settings stored in a home's `node.json`. */
export async function orgSettings (home: string): Promise<OrgSettings> {
  const config = JSON.parse(await readFile(join(home, 'node.json'), 'utf8')) as NodeConfig
  if (config.org == null) throw new Error(`${home} is not in an org`)
  return config.org
}

/** The pnet swarm key bytes of the org a home belongs to. */
export async function orgSwarmKey (home: string): Promise<Uint8Array> {
  const config = JSON.parse(await readFile(join(home, 'node.json'), 'utf8')) as NodeConfig
  return pskToPnetKey((await loadOrgPsk(homePaths(home), config, undefined)).psk)
}

/**
 * A bare host: TCP, the pre-shared key, Noise and yamux, no services. It can
 * dial and open streams on any protocol, and answers nothing.
 */
export async function pskHost (t: AfterHook, swarmKey: Uint8Array, init: { privateKey?: PrivateKey } = {}): Promise<Libp2p> {
  const host = await createLibp2p({
    privateKey: init.privateKey ?? await generateLibp2pKey('Ed25519'),
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionProtector: preSharedKey({ psk: swarmKey })
  })
  t.after(async () => { try { await host.stop() } catch {} })
  return host
}

/**
 * A full Mycel libp2p host (identify, ping, DHT, gossipsub on the org's ids)
 * without the membership gate: what a stolen pre-shared key gets you.
 */
export async function intruderHost (t: AfterHook, org: { swarmKey: Uint8Array, orgId: string }): Promise<MycelHost> {
  const host = await createHost({ privateKey: await generateLibp2pKey('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], orgId: org.orgId, swarmKey: org.swarmKey })
  await host.start()
  t.after(async () => { try { await host.stop() } catch {} })
  return host
}
