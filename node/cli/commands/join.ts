import { access, rm } from 'node:fs/promises'
import type { Command } from '../command.ts'
import { ensureHome, homePaths } from '../../home/home.ts'
import { loadNodeConfig, saveNodeConfig } from '../../home/config.ts'
import { readInvite, redeemInvite } from '../../membership/join-client.ts'
import { generateKeyPair } from '../../../identity/keys.ts'
import { loadNodeKey, saveNodeKey } from '../../../identity/keystore.ts'
import { peerIdFromPublicKey } from '../../../identity/peer-id.ts'
import { UsageError } from '../errors.ts'
import { defaultNodeName, passphraseOf } from '../home-state.ts'
import { pskNote, saveOrgPsk } from '../../home/psk.ts'
import { fromHex } from '../../../identity/bytes.ts'
import { openNodeDb } from '../../home/db.ts'

/**
 * `mycel join INVITE`. Nothing is written until the issuer has answered with
 * a certificate that checks: a new identity is made in memory and saved only
 * then, and if saving fails half-way everything this command created is
 * removed again, so a failed join never leaves a half-made home behind.
 */
export const join: Command = {
  path: ['join'],
  summary: 'Join an organisation with an invite key (the node need not be running)',
  usage: '[--name NAME] INVITE',
  options: { name: { type: 'string', help: 'Name for this node if it has no identity yet' } },
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const text = args.positionals[0] as string
    // typos, tampering, expiry and a missing address are caught here, before anything is dialled or written
    const invite = readInvite(text)
    const paths = homePaths(ctx.home)
    let config = await loadNodeConfig(paths.nodeConfig)
    if (config?.org != null) throw new UsageError(`This node already belongs to "${config.org.name}"; use a fresh --home to join another organisation`)
    let key
    let newKey = false
    try {
      key = await loadNodeKey(paths.identityKey, passphraseOf(ctx))
    } catch (err) {
      if ((err as Error).name !== 'KeyNotFoundError') throw err
      key = generateKeyPair()
      newKey = true
    }
    config ??= { v: 1, name: (args.values.name as string | undefined) ?? defaultNodeName() }
    const result = await redeemInvite({ key, invite, text, name: config.name, signal: ctx.signal })

    const created = await missing([paths.root, paths.dataDir, paths.nodeConfig, paths.orgPsk])
    try {
      await ensureHome(ctx.home)
      if (newKey) await saveNodeKey(paths.identityKey, key, passphraseOf(ctx))
      if (result.revocations != null) {
        const db = await openNodeDb(paths.dataDir)
        try { await db.sublevel<string, Uint8Array>('state', { valueEncoding: 'view' }).put('revocations', result.revocations) } finally { await db.close() }
      }
      // the mesh key in its own sealed file; node.json never holds it
      await saveOrgPsk(paths.orgPsk, fromHex(result.org.psk as string), passphraseOf(ctx).passphrase)
      await saveNodeConfig(paths.nodeConfig, { ...config, org: result.org })
    } catch (err) {
      // undo what this command made: the new key, and each path that did not exist before (the home itself when it was new)
      for (const path of [...(newKey ? [paths.identityKey] : []), ...created]) await rm(path, { recursive: true, force: true }).catch(() => {})
      throw err
    }
    if (newKey) ctx.out.error(`Created a new identity ${peerIdFromPublicKey(key.publicKey)} in ${ctx.home}`)
    const out = { peerId: peerIdFromPublicKey(key.publicKey), org: { name: result.org.name, id: result.org.id }, groups: result.org.groups, certExpiresAt: result.org.certExpiresAt, issuer: result.issuer }
    if (ctx.json) { ctx.out.json(out); return }
    ctx.out.line(`Joined "${result.org.name}" as ${out.peerId} (groups: ${out.groups.join(', ')}).`)
    ctx.out.line(pskNote(passphraseOf(ctx).passphrase != null))
    ctx.out.line('Start the node with `mycel start`; it finds the mesh by itself.')
  }
}

/** Those of `paths` that do not exist yet. */
async function missing (paths: string[]): Promise<string[]> {
  const out: string[] = []
  for (const p of paths) {
    try { await access(p) } catch { out.push(p) }
  }
  return out
}
