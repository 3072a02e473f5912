/** Refusals of the model gate: a pinned digest this node does not hold, a model the org has not approved. */

/** The member's file under that name is not the one the delegator pinned. */
export class PinnedDigestMismatchError extends Error {
  static override name = 'PinnedDigestMismatchError'
  readonly code = 'model-digest-mismatch'
  constructor (model: string, pinned: string) {
    super(`model ${model} here is not the file with sha256 ${pinned.slice(0, 12)}…`)
    this.name = PinnedDigestMismatchError.name
  }
}

/** Policy requires approved models and this file is not on the org's catalog. */
export class ModelNotApprovedError extends Error {
  static override name = 'ModelNotApprovedError'
  readonly code = 'model-not-approved'
  constructor (model: string, sha256: string) {
    super(`model ${model} (sha256 ${sha256.slice(0, 12)}…) is not on the org's model catalog; an admin approves it with \`mycel models approve ${model}\``)
    this.name = ModelNotApprovedError.name
  }
}
