/**
 * The model gate: before a model kind runs, the file this node would use
 * under that name must be the one the delegator pinned (`modelSha256`), and,
 * when policy says `models.require: "approved"`, a file the org's catalog
 * approves. Both are checked by digest against the registry's record of the
 * file (the registry checks the file against that digest when it loads it),
 * so a member cannot serve a different file under a known name.
 */
import { ModelNotApprovedError, PinnedDigestMismatchError } from './errors.ts'

export interface ModelGateComponents {
  /** sha256 of the file registered under this name here, if any. */
  digestOf: (model: string) => Promise<string | undefined>
  requireApproved: () => boolean
  approved: (sha256: string) => boolean
}

/** Throws a typed refusal, or resolves when the model may run. Unknown models pass: the runtime names them. */
export type ModelGate = (model: string, pinnedSha256?: string) => Promise<void>

export function modelGate (c: ModelGateComponents): ModelGate {
  return async (model, pinned) => {
    if (pinned == null && !c.requireApproved()) return
    const digest = await c.digestOf(model)
    if (digest == null) return
    if (pinned != null && digest !== pinned) throw new PinnedDigestMismatchError(model, pinned)
    if (c.requireApproved() && !c.approved(digest)) throw new ModelNotApprovedError(model, digest)
  }
}
