/**
 * The witness protocol's contract (`/mycel/witness/1.0.0`): members offer
 * their signed audit checkpoints to each other, prove each new one extends
 * the one held (RFC 6962 consistency proofs), and ask which checkpoint of
 * theirs a witness holds. Frames, bounds and the closed list of refusals.
 *
 * @example
 * const call = decodeWitnessCall(frameBytes) // offer or get; a typed error on anything else
 */
export * from './messages.ts'
