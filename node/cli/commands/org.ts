import type { Command } from '../command.ts'
import { saveNodeConfig } from '../../home/config.ts'
import { createOrg } from '../../../identity/org.ts'
import { saveKeyPair } from '../../../identity/keystore.ts'
import { encodeMembershipChain, issueMembershipCert, verifyMembershipChain } from '../../../identity/certs.ts'
import { generatePsk } from '../../../identity/psk.ts'
import { pskNote, saveOrgPsk } from '../../home/psk.ts'
import { toHex } from '../../../identity/bytes.ts'
import { orgIdOf } from '../../../protocol/org.ts'
import { UsageError } from '../errors.ts'
import { loadIdentity, passphraseOf, readHome } from '../home-state.ts'
import { MEMBERS_GROUP } from '../../membership/constants.ts'
import { MEMBERSHIP_CERT_TTL_MS } from '../../constants.ts'

/** Label of the org root key file. */
export const ORG_ROOT_LABEL = 'org-root'
export const ADMINS_GROUP = 'admins'

export const orgCreate: Command = {
  path: ['org', 'create'],
  summary: 'Found an organisation: this node holds its root and admin keys',
  usage: 'NAME',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const name = args.positionals[0] as string
    if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(name)) throw new UsageError('NAME must be 1-64 letters, digits, spaces, dots, dashes or underscores')
    const { paths, config, peerId } = await readHome(ctx)
    if (config.org != null) throw new UsageError(`This node already belongs to the organisation "${config.org.name}"`)
    const key = await loadIdentity(ctx)
    // the founding node's key is the first admin key, so members can find the admin by peer id
    const org = createOrg(name, { admin: key })
    await saveKeyPair(paths.orgKeys, org.root, ORG_ROOT_LABEL, passphraseOf(ctx))
    const chain = encodeMembershipChain(issueMembershipCert({ admin: key, adminCert: org.adminCert, peerId, groups: [MEMBERS_GROUP, ADMINS_GROUP], ttlMs: MEMBERSHIP_CERT_TTL_MS }))
    const verified = verifyMembershipChain(chain, { orgRoot: org.root.publicKey })
    const psk = generatePsk()
    // its own sealed file; node.json never holds it
    await saveOrgPsk(paths.orgPsk, psk, passphraseOf(ctx).passphrase)
    const settings = {
      name,
      root: toHex(org.root.publicKey),
      id: orgIdOf(org.root.publicKey),
      psk: toHex(psk),
      bootstrap: [],
      chain: Buffer.from(chain).toString('base64'),
      groups: verified.groups,
      certExpiresAt: verified.notAfter,
      admin: true,
      adminCert: Buffer.from(org.adminCert).toString('base64')
    }
    await saveNodeConfig(paths.nodeConfig, { ...config, org: settings })
    if (ctx.json) { ctx.out.json({ org: { name, id: settings.id, root: settings.root }, peerId, groups: settings.groups }); return }
    ctx.out.line(`Founded "${name}" (org id ${settings.id}); this node is its admin.`)
    ctx.out.line(pskNote(passphraseOf(ctx).passphrase != null))
    ctx.out.line('Next: `mycel start`, then `mycel invite create` for each machine that should join.')
  }
}
