/** Invites an admin node signs for the control API (`POST /api/invites`). */
import { lazyModule } from '../lazy.ts'
import { createInvite } from '../../identity/invite.ts'
import type { Ed25519KeyPair } from '../../identity/keys.ts'
import type { InviteCreated, InviteRequest } from './modules.ts'

/** What signing an invite takes: the admin's key and certificate, the org's PSK, and where to dial. */
export interface InviteIssuer {
  key: Ed25519KeyPair
  adminCert: Uint8Array
  psk: Uint8Array
  /** This node's listen addresses now. */
  addrs: string[]
}

/** `qrcode` (and its PNG encoder) load when a QR code is first asked for. */
const loadQrCode = lazyModule('qrcode', async () => (await import('qrcode')).default)

export function issueInvite (issuer: InviteIssuer, req: InviteRequest): InviteCreated {
  const created = createInvite({
    admin: issuer.key,
    adminCert: issuer.adminCert,
    addrs: inviteAddrs(issuer.addrs),
    psk: issuer.psk,
    ...(req.uses != null ? { uses: req.uses } : {}),
    ...(req.ttlMs != null ? { ttlMs: req.ttlMs } : {}),
    ...(req.groups != null ? { groups: req.groups } : {})
  })
  return { invite: created.invite, inviteId: created.inviteId, expiresAt: created.expiresAt, uses: created.uses, groups: created.groups }
}

/** The addresses an invite carries: dialable ones first, at most 8. */
export function inviteAddrs (addrs: string[]): string[] {
  const usable = addrs.filter(a => !a.includes('/ip4/0.0.0.0/') && !a.includes('/ip6/::/'))
  return usable.slice(0, 8)
}

/**
 * The invite as a QR code in SVG, for a phone or a second screen to scan
 * (the dashboard shows it beside the text). Low error correction keeps a
 * long invite (certificate, key, addresses) scannable at a small size.
 */
export async function inviteQrSvg (invite: string): Promise<string> {
  const QRCode = await loadQrCode()
  return await QRCode.toString(invite, { type: 'svg', errorCorrectionLevel: 'L', margin: 2 })
}
