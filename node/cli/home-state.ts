/** What CLI commands read from a node's home without a running node. */
import { hostname } from 'node:os'
import { homePaths, type HomePaths } from '../home/home.ts'
import { loadNodeConfig, NotInitializedError, type NodeConfig } from '../home/config.ts'
import { loadNodeKey } from '../../identity/keystore.ts'
import { inspectSecretFile } from '../../identity/secret-file.ts'
import { peerIdFromPublicKey } from '../../identity/peer-id.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import type { CommandContext } from './command.ts'

export function passphraseOf (ctx: CommandContext): { passphrase?: string } {
  const p = ctx.env.MYCEL_PASSPHRASE
  return p != null && p !== '' ? { passphrase: p } : {}
}

export interface HomeState {
  paths: HomePaths
  config: NodeConfig
  peerId: string
}

/** Loads the config and the public identity (no passphrase needed). */
export async function readHome (ctx: CommandContext): Promise<HomeState> {
  const paths = homePaths(ctx.home)
  const config = await loadNodeConfig(paths.nodeConfig)
  if (config == null) throw new NotInitializedError(ctx.home)
  let info
  try {
    info = await inspectSecretFile(paths.identityKey)
  } catch (err) {
    if ((err as Error).name === 'KeyNotFoundError') throw new NotInitializedError(ctx.home)
    throw err
  }
  if (info.publicKey == null) throw new NotInitializedError(ctx.home)
  return { paths, config, peerId: peerIdFromPublicKey(info.publicKey) }
}

/** Loads the identity key itself (decrypting it with MYCEL_PASSPHRASE when needed). */
export async function loadIdentity (ctx: CommandContext): Promise<Ed25519KeyPair> {
  return await loadNodeKey(homePaths(ctx.home).identityKey, passphraseOf(ctx))
}

export function defaultNodeName (): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'node'
}
