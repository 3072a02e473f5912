export type { ChainHop, ChainRequest, ChainScope, ChainSigner, VerifiedChain } from './types.ts'
