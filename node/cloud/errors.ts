/**
 * Errors of the cloud fallback. Messages name the endpoint and what went
 * wrong, never the key nor what the endpoint sent back (a misbehaving
 * endpoint may echo the request's headers).
 */
import type { WireErrorCode } from '../../protocol/codes.ts'

export class CloudConfigError extends Error {
  static override name = 'CloudConfigError'
  readonly code = 'malformed' satisfies WireErrorCode
  constructor (message = 'Invalid cloud endpoint configuration') {
    super(message)
    this.name = CloudConfigError.name
  }
}

export type CloudFailure = 'timeout' | 'status' | 'unreachable' | 'malformed' | 'too-large'

/** The endpoint failed: timed out, answered an error status, could not be reached or sent something that is not an OpenAI reply. */
export class CloudEndpointError extends Error {
  static override name = 'CloudEndpointError'
  readonly code: WireErrorCode
  readonly failure: CloudFailure
  readonly status?: number
  constructor (failure: CloudFailure, message: string, status?: number) {
    super(message)
    this.name = CloudEndpointError.name
    this.failure = failure
    this.code = failure === 'timeout' ? 'timeout' : 'unavailable'
    if (status != null) this.status = status
  }
}
