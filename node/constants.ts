/** Defaults of the running node. Units are in the names. */

export const DEFAULT_LISTEN_ADDRS = ['/ip4/0.0.0.0/tcp/4001']
export const DEFAULT_API_ADDR = '127.0.0.1:7878'

/** A connected peer must prove membership within this time or be disconnected. */
export const ADMISSION_TIMEOUT_MS = 5_000
/** How long a node waits to hand a newly revoked, still connected peer the revocation list before it cuts it off. */
export const REVOCATION_NOTICE_TIMEOUT_MS = 1_000
/** A peer refused admission is not accepted again for this long. */
export const REFUSED_PEER_BACKOFF_MS = 30_000

/** Membership certificates issued on join or renewal live this long. */
export const MEMBERSHIP_CERT_TTL_MS = 24 * 60 * 60 * 1000
/** A member renews its certificate when less than this fraction of its lifetime is left. */
export const CERT_RENEW_REMAINING_FRACTION = 0.5
/** How often the node checks whether its certificate needs renewing. */
export const CERT_RENEW_CHECK_INTERVAL_MS = 60_000

/**
 * A node looks this often whether what its card says changed (addresses, a
 * certificate) and republishes it if so; changes the node makes itself
 * (models, tools, policy) republish at once. Load is not a change: it travels
 * in load beats (node/load), so an unchanged card is not flooded to every
 * member every 30 s just to carry a fresher load.
 */
export const CARD_REPUBLISH_INTERVAL_MS = 30_000
/** An unchanged card is republished this often, to renew its expiry well inside the TTL (two chances before it lapses). */
export const CARD_REFRESH_INTERVAL_MS = 2 * 60 * 1000
export const CARD_TTL_MS = 5 * 60 * 1000
/** A failed card sync with a newly admitted member is tried once more after this (one end starts the one exchange). */
export const SYNC_RETRY_DELAY_MS = 1_000

/** Bytes of a control API request body. */
export const MAX_API_BODY_BYTES = 1024 * 1024

/** How long a stream may sit in one protocol exchange before it is reset. */
export const PROTOCOL_EXCHANGE_TIMEOUT_MS = 10_000

/** A stopping daemon that has not finished after this long exits anyway (SIGTERM must end it within seconds). */
export const SHUTDOWN_TIMEOUT_MS = 4_000

/** How often a running node looks for models added or removed by the CLI. */
export const MODEL_WATCH_INTERVAL_MS = 3_000

/** How often a node dials bootstrap and remembered members it is not connected to. */
export const RECONNECT_INTERVAL_MS = 10_000
/** The longest a peer whose dials keep failing (or whose gate keeps closing us out) waits between redials. */
export const RECONNECT_BACKOFF_MAX_MS = 2 * 60_000
/** How long one dial of a bootstrap or remembered member may take. */
export const BOOTSTRAP_DIAL_TIMEOUT_MS = 10_000
/**
 * libp2p's connection monitor pings every open connection this often and
 * keeps the round trip on `connection.rtt` (the router scores by it); a new
 * connection is measured at once by the ping on admission
 * (net/rtt-probe.ts), so this only follows a round trip that drifts, which
 * on a LAN it does slowly. Both ends ping, each on a new stream: at 5 s a
 * member of 64 opened 25 ping streams a second (the scale bench).
 */
export const RTT_PING_INTERVAL_MS = 15_000
/** The one ping on admission gives up after this. */
export const RTT_PROBE_TIMEOUT_MS = 5_000

/**
 * Gossipsub mesh degrees for an org: the target, low and high number of
 * mesh peers per topic that forward each message, the outbound quota, the
 * peers kept by score when pruning, and the peers sent IHAVE gossip. Lower
 * than gossipsub's defaults (6/4/12, 2, 4, 6), which are made for open
 * networks where the publisher reaches only its mesh; here `floodPublish`
 * reaches every connected member first, and the mesh and IHAVE gossip only
 * repair what that missed.
 */
export const GOSSIP_MESH = { D: 4, Dlo: 3, Dhi: 6, Dout: 1, Dscore: 2, Dlazy: 4 }
