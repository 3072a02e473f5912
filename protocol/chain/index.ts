/**
 * Delegation chains that only narrow: signed links (origin member, issuing
 * node or agent, executor, task and parent task, depth, scope, window),
 * carried in a task request's `chain` field. Each executor verifies the
 * whole chain before it runs anything (verify.ts); the router makes the
 * next link (extend.ts). Crypto comes from identity/chain-crypto.ts.
 *
 * @example
 * const links = extendChain({ org, self, audience, taskId, request: { scope }, node: key, crypto: chainCrypto })
 * const chain = verifyChain(links, { org, self: audience, from: self, taskId, request, crypto: chainCrypto })
 */
export type { ChainHop, ChainRequest, ChainScope, ChainSigner, VerifiedChain } from './types.ts'
export * from './constants.ts'
export { CHAIN_REFUSALS, ChainRefusedError, type ChainRefusal } from './errors.ts'
export { decodeLinkPayload, encodeLinkPayload, type ChainCrypto, type ChainLink, type LinkSigner } from './link.ts'
export { FULL_SCOPE, inScope, patternCovers, patternMatches, SCOPE, scopeWithin, type ScopedRequest } from './scope.ts'
export { checkChain, openLink, verifyChain, type VerifyChainInit } from './verify.ts'
export { extendChain, hopScope, type ExtendChainInit } from './extend.ts'
