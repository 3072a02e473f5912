/** Why a load beat was not taken. */
export type BeatRejection = 'malformed' | 'bad-signature' | 'signer-mismatch' | 'wrong-org' | 'not-member' | 'stale'

export class LoadBeatRejectedError extends Error {
  static override name = 'LoadBeatRejectedError'
  readonly reason: BeatRejection
  constructor (reason: BeatRejection) {
    super(`Load beat rejected: ${reason}`)
    this.name = LoadBeatRejectedError.name
    this.reason = reason
  }
}
