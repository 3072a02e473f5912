import type { Command } from '../command.ts'
import { ensureHome } from '../../home.ts'
import { loadNodeConfig, saveNodeConfig } from '../../config.ts'
import { readInvite, redeemInvite } from '../../membership/join-client.ts'
import { generateKeyPair } from '../../../identity/keys.ts'
import { loadNodeKey, saveNodeKey } from '../../../identity/keystore.ts'
import { peerIdFromPublicKey } from '../../../identity/peer-id.ts'
import { UsageError } from '../errors.ts'
import { defaultNodeName, passphraseOf } from '../home-state.ts'
import { openNodeDb } from '../../db.ts'

export const join: Command = {
  path: ['join'],
  summary: 'Join an organisation with an invite key (the node need not be running)',
  usage: '[--name NAME] INVITE',
  options: { name: { type: 'string', help: 'Name for this node if it has no identity yet' } },
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const text = args.positionals[0] as string
    // typos, tampering and expiry are caught here, before anything is dialled or written
    const invite = readInvite(text)
    const paths = await ensureHome(ctx.home)
    let config = await loadNodeConfig(paths.nodeConfig)
    if (config?.org != null) throw new UsageError(`This node already belongs to "${config.org.name}"; use a fresh --home to join another organisation`)
    let key
    try {
      key = await loadNodeKey(paths.identityKey, passphraseOf(ctx))
    } catch (err) {
      if ((err as Error).name !== 'KeyNotFoundError') throw err
      key = generateKeyPair()
      await saveNodeKey(paths.identityKey, key, passphraseOf(ctx))
      ctx.out.error(`Created a new identity ${peerIdFromPublicKey(key.publicKey)} in ${ctx.home}`)
    }
    config ??= { v: 1, name: (args.values.name as string | undefined) ?? defaultNodeName() }
    const result = await redeemInvite({ key, invite, text, name: config.name, signal: ctx.signal })
    if (result.revocations != null) {
      const db = await openNodeDb(paths.dataDir)
      try { await db.sublevel<string, Uint8Array>('state', { valueEncoding: 'view' }).put('revocations', result.revocations) } finally { await db.close() }
    }
    await saveNodeConfig(paths.nodeConfig, { ...config, org: result.org })
    const out = { peerId: peerIdFromPublicKey(key.publicKey), org: { name: result.org.name, id: result.org.id }, groups: result.org.groups, certExpiresAt: result.org.certExpiresAt, issuer: result.issuer }
    if (ctx.json) { ctx.out.json(out); return }
    ctx.out.line(`Joined "${result.org.name}" as ${out.peerId} (groups: ${out.groups.join(', ')}).`)
    ctx.out.line('Start the node with `mycel start`; it finds the mesh by itself.')
  }
}
