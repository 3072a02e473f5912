/**
 * Making the next link: the router turns a `ChainRequest` (the chain the
 * current task arrived with, the agent issuing the hop, a narrower scope)
 * into the links a request carries, bound to one task and one executor.
 * A hop that would widen its parent is refused here already, so a node
 * never signs what an executor must refuse.
 *
 * @example
 * const links = extendChain({ org, self, audience: executor, taskId, request: spec.chain, node: key, crypto })
 */
import { randomBytes } from 'node:crypto'
import { CHAIN_LINK_TTL_MS } from './constants.ts'
import { ChainRefusedError } from './errors.ts'
import { decodeLinkPayload, encodeLinkPayload, type ChainCrypto, type ChainLink, type LinkSigner } from './link.ts'
import { FULL_SCOPE, scopeWithin } from './scope.ts'
import type { ChainRequest, ChainScope } from './types.ts'

export interface ExtendChainInit {
  org: string
  /** This node's peer id: the new link's issuer. */
  self: string
  /** The executor the link is for. */
  audience: string
  /** The task the link is bound to. */
  taskId: string
  request: ChainRequest
  /** This node's key: signs when no agent issues the hop. */
  node: LinkSigner
  crypto: ChainCrypto
  /** @default CHAIN_LINK_TTL_MS */
  ttlMs?: number
  /** @default Date.now() */
  now?: number
}

/** The scope a hop gets: the one asked for, which must lie within the parent's; else the parent's; else everything. */
export function hopScope (request: ChainRequest): ChainScope {
  const parent = request.parent?.scope
  const scope = request.scope ?? parent ?? FULL_SCOPE
  if (parent != null && !scopeWithin(scope, parent)) throw new ChainRefusedError('widened')
  return scope
}

export function extendChain (init: ExtendChainInit): Uint8Array[] {
  const { request, crypto } = init
  const now = init.now ?? Date.now()
  const scope = hopScope(request)
  const parentRecord = request.parent?.links.at(-1)
  let prev: ChainLink | undefined
  if (parentRecord != null) {
    prev = decodeLinkPayload(crypto.open(parentRecord).payload)
    // only the executor a chain was handed to may extend it
    if (prev.audience !== init.self) throw new ChainRefusedError('broken')
    if (request.parentTask != null && request.parentTask !== prev.task) throw new ChainRefusedError('broken')
  }
  const parentTask = prev?.task ?? request.parentTask
  const link: ChainLink = {
    v: 1,
    org: init.org,
    origin: request.parent?.origin ?? init.self,
    issuer: init.self,
    ...(request.agent != null ? { agent: { name: request.agent.name, key: request.agent.publicKey, cert: request.agent.cert } } : {}),
    audience: init.audience,
    task: init.taskId,
    ...(parentTask != null ? { parent: parentTask } : {}),
    depth: (request.parent?.depth ?? 0) + 1,
    scope: { kinds: [...scope.kinds], tools: [...scope.tools], collections: [...scope.collections], classes: [...scope.classes] },
    issuedAt: now,
    expiresAt: Math.min(now + (init.ttlMs ?? CHAIN_LINK_TTL_MS), prev?.expiresAt ?? Infinity),
    nonce: randomBytes(16).toString('hex')
  }
  const signer: LinkSigner = request.agent ?? init.node
  return [...request.parent?.links ?? [], crypto.seal(signer, encodeLinkPayload(link))]
}
