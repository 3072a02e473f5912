/**
 * Why a chain was refused. One error class with a `reason` union (callers
 * switch on it) and the wire `code` a delegator sees: scope, depth, cycle
 * and policy refusals are `denied`, a link bound to another task or
 * executor is a `replay`, a bad signature or agent certificate is
 * `cert-invalid`.
 */
import type { WireErrorCode } from '../codes.ts'

export const CHAIN_REFUSALS = [
  'malformed', 'forged', 'cert', 'broken', 'replay', 'expired', 'widened', 'out-of-scope', 'depth', 'cycle', 'denied'
] as const
export type ChainRefusal = typeof CHAIN_REFUSALS[number]

const WIRE: Record<ChainRefusal, WireErrorCode> = {
  malformed: 'malformed',
  forged: 'cert-invalid',
  cert: 'cert-invalid',
  broken: 'denied',
  replay: 'replay',
  expired: 'expired',
  widened: 'denied',
  'out-of-scope': 'denied',
  depth: 'denied',
  cycle: 'denied',
  denied: 'denied'
}

const TEXT: Record<ChainRefusal, string> = {
  malformed: 'a chain link is malformed',
  forged: 'a chain link is not signed by the node or agent it names',
  cert: 'a chain link\'s agent certificate does not check against its node',
  broken: 'the chain is not continuous (issuer, parent task or depth)',
  replay: 'the chain is bound to another task, executor or delegator',
  expired: 'a chain link has expired or is not valid yet',
  widened: 'a hop widens the scope of its parent',
  'out-of-scope': 'the request is outside the chain\'s scope',
  depth: 'the chain is deeper than this node allows',
  cycle: 'the chain visits a node or agent twice',
  denied: 'policy denies a principal on the chain'
}

export class ChainRefusedError extends Error {
  static override name = 'ChainRefusedError'
  readonly reason: ChainRefusal
  readonly code: WireErrorCode
  constructor (reason: ChainRefusal, message?: string) {
    super(message ?? `Delegation chain refused: ${TEXT[reason]}`)
    this.name = ChainRefusedError.name
    this.reason = reason
    this.code = WIRE[reason]
  }
}
