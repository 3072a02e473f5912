import type { Command } from '../command.ts'
import { ensureHome } from '../../home/home.ts'
import { loadNodeConfig, saveNodeConfig } from '../../home/config.ts'
import { generateKeyPair } from '../../../identity/keys.ts'
import { saveNodeKey } from '../../../identity/keystore.ts'
import { inspectSecretFile } from '../../../identity/secret-file.ts'
import { peerIdFromPublicKey } from '../../../identity/peer-id.ts'
import { KeyExistsError } from '../../../identity/errors.ts'
import { UsageError } from '../errors.ts'
import { defaultNodeName, passphraseOf } from '../home-state.ts'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export const init: Command = {
  path: ['init'],
  summary: 'Create this node\'s identity (an ed25519 key that is also its peer id)',
  usage: '[--name NAME]',
  options: { name: { type: 'string', help: 'A name for this node, shown to other members (default: the host name)' } },
  async run (ctx, args) {
    const name = (args.values.name as string | undefined) ?? defaultNodeName()
    if (!NAME.test(name)) throw new UsageError('--name must be 1-64 letters, digits, dots, dashes or underscores')
    const paths = await ensureHome(ctx.home)
    const existing = await inspectSecretFile(paths.identityKey).catch(() => undefined)
    if (existing?.publicKey != null) {
      throw new KeyExistsError(`An identity already exists in ${ctx.home} (peer id ${peerIdFromPublicKey(existing.publicKey)}); refusing to overwrite it`)
    }
    const key = generateKeyPair()
    await saveNodeKey(paths.identityKey, key, passphraseOf(ctx))
    const config = await loadNodeConfig(paths.nodeConfig)
    await saveNodeConfig(paths.nodeConfig, { ...(config ?? { v: 1 }), v: 1, name })
    const peerId = peerIdFromPublicKey(key.publicKey)
    if (ctx.json) ctx.out.json({ peerId, name, home: ctx.home, encrypted: passphraseOf(ctx).passphrase != null })
    else {
      ctx.out.line(peerId)
      ctx.out.error(`Created identity for "${name}" in ${ctx.home}${passphraseOf(ctx).passphrase != null ? ' (encrypted with MYCEL_PASSPHRASE)' : ''}`)
    }
  }
}
