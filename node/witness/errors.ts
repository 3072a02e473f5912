/** Typed errors of the witness service. Callers branch on `err.name` or `code`. */
import type { WitnessRefusal } from '../../protocol/witness/messages.ts'

/** A witness refused a checkpoint this node offered, with the wire code it gave. */
export class WitnessRefusedError extends Error {
  static override name = 'WitnessRefusedError'
  readonly code: WitnessRefusal
  constructor (code: WitnessRefusal, message = `The witness refused the checkpoint (${code})`) {
    super(message)
    this.name = WitnessRefusedError.name
    this.code = code
  }
}

