/**
 * Protocol ids of membership: joining, proving membership on connect,
 * renewing a certificate, and the gossip topic of revocation lists. Each
 * carries a version: a breaking wire change bumps it.
 */

/** Redeeming an invite: served to anyone who knows the pre-shared key. */
export const JOIN_PROTOCOL = '/mycel/join/1.0.0'
/** Proving membership right after connecting; the only other protocol served to unadmitted peers. */
export const MEMBERSHIP_PROTOCOL = '/mycel/membership/1.0.0'
/** Renewing a membership certificate with an admin. */
export const RENEW_PROTOCOL = '/mycel/renew/1.0.0'

/** Revocation lists spread by gossip, scoped to the org so two orgs never mix. */
export function revocationsTopic (orgId: string): string {
  return `/mycel/${orgId}/revocations/1`
}

/** The org's signed model catalog spreads the same way, on its own topic. */
export function modelCatalogTopic (orgId: string): string {
  return `/mycel/${orgId}/models/1`
}
