/**
 * What an executor checks of a chain before anything runs: cheapest first
 * (count against depth), then every signature and agent certificate before
 * a payload means anything, then continuity (each hop issued by the
 * previous hop's audience, parent task, depth, origin, org), windows
 * (a child never outlives its parent), narrowing, cycles, the binding of
 * the last link to this very request, and the request against the scope.
 *
 * @example
 * const chain = verifyChain(req.chain, { org, self, from: peer, taskId: req.taskId, request: req, crypto })
 */
import { CHAIN_CLOCK_SKEW_MS, DEFAULT_MAX_CHAIN_DEPTH, MAX_CHAIN_LINK_LIFETIME_MS } from './constants.ts'
import { ChainRefusedError } from './errors.ts'
import { decodeLinkPayload, type ChainCrypto, type ChainLink } from './link.ts'
import { inScope, scopeWithin, type ScopedRequest } from './scope.ts'
import type { VerifiedChain } from './types.ts'

export interface VerifyChainInit {
  org: string
  /** This executor's peer id: the last link's audience. */
  self: string
  /** The delegator's peer id (the request's signer): the last link's issuer. */
  from: string
  /** The request's task id: the last link's task. */
  taskId: string
  /** What the request asks for, in clear. */
  request: ScopedRequest
  crypto: ChainCrypto
  /** @default DEFAULT_MAX_CHAIN_DEPTH */
  maxDepth?: number
  /** @default Date.now() */
  now?: number
  /** @default CHAIN_CLOCK_SKEW_MS */
  skewMs?: number
}

/** Opens and checks one link's signature and signer; returns its payload. */
export function openLink (record: Uint8Array, crypto: ChainCrypto, now: number): ChainLink {
  let opened
  try {
    opened = crypto.open(record)
  } catch (err) {
    throw new ChainRefusedError((err as Error).name === 'InvalidSignatureError' ? 'forged' : 'malformed')
  }
  let link: ChainLink
  try { link = decodeLinkPayload(opened.payload) } catch { throw new ChainRefusedError('malformed') }
  let nodeKey: Uint8Array
  try { nodeKey = crypto.publicKeyOf(link.issuer) } catch { throw new ChainRefusedError('malformed') }
  if (link.agent == null) {
    if (!bytesEqual(opened.publicKey, nodeKey)) throw new ChainRefusedError('forged')
    return link
  }
  let cert
  try { cert = crypto.agentCert(link.agent.cert, nodeKey, now) } catch { throw new ChainRefusedError('cert') }
  if (!bytesEqual(cert.agent, link.agent.key) || cert.name !== link.agent.name) throw new ChainRefusedError('cert')
  if (!bytesEqual(opened.publicKey, link.agent.key)) throw new ChainRefusedError('forged')
  return link
}

export function verifyChain (records: readonly Uint8Array[], init: VerifyChainInit): VerifiedChain {
  return checkChain(records, init).chain
}

/** `verifyChain`, also returning the decoded links (what an executor audits of the last one). */
export function checkChain (records: readonly Uint8Array[], init: VerifyChainInit): { chain: VerifiedChain, links: ChainLink[] } {
  const now = init.now ?? Date.now()
  const skew = init.skewMs ?? CHAIN_CLOCK_SKEW_MS
  const maxDepth = init.maxDepth ?? DEFAULT_MAX_CHAIN_DEPTH
  if (records.length === 0) throw new ChainRefusedError('malformed')
  if (records.length > maxDepth) throw new ChainRefusedError('depth', `Delegation chain refused: depth ${records.length} is past this node's limit of ${maxDepth}`)
  const links = records.map(r => openLink(r, init.crypto, now))
  const root = links[0] as ChainLink
  if (root.issuer !== root.origin) throw new ChainRefusedError('broken')
  links.forEach((link, i) => {
    const prev = links[i - 1]
    if (link.org !== init.org || link.origin !== root.origin || link.depth !== i + 1) throw new ChainRefusedError('broken')
    if (prev != null && (link.issuer !== prev.audience || link.parent !== prev.task)) throw new ChainRefusedError('broken')
    if (link.issuedAt > now + skew || link.expiresAt + skew < now || link.expiresAt < link.issuedAt || link.expiresAt - link.issuedAt > MAX_CHAIN_LINK_LIFETIME_MS) throw new ChainRefusedError('expired')
    if (prev != null && (!scopeWithin(link.scope, prev.scope) || link.expiresAt > prev.expiresAt)) throw new ChainRefusedError('widened')
  })
  checkCycles(links)
  const last = links[links.length - 1] as ChainLink
  if (last.audience !== init.self || last.task !== init.taskId || last.issuer !== init.from) throw new ChainRefusedError('replay')
  if (!inScope(last.scope, init.request)) throw new ChainRefusedError('out-of-scope')
  const chain: VerifiedChain = {
    links: [...records],
    origin: root.origin,
    hops: links.map(l => ({ task: l.task, node: l.issuer, ...(l.agent != null ? { agent: l.agent.name } : {}), scope: l.scope })),
    depth: links.length,
    scope: last.scope
  }
  return { chain, links }
}

/**
 * A node+agent that issues twice, or a node the chain leaves and comes back
 * to (A→B→A), is a cycle. Hops a node hands itself (an agent running a tool
 * on its own node) are not: consecutive visits of one node count once.
 */
function checkCycles (links: readonly ChainLink[]): void {
  const issuers = new Set<string>()
  for (const l of links) {
    const who = `${l.issuer}/${l.agent?.name ?? ''}`
    if (issuers.has(who)) throw new ChainRefusedError('cycle')
    issuers.add(who)
  }
  const path = [(links[0] as ChainLink).issuer, ...links.map(l => l.audience)].filter((n, i, all) => i === 0 || all[i - 1] !== n)
  if (new Set(path).size !== path.length) throw new ChainRefusedError('cycle')
}

function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i])
}
