/**
 * The task protocol's contract (`/mycel/task/1.0.0`): the signed request, the
 * frames each way (submit, attach, cancel; state, chunk, result, error), task
 * states after A2A's lifecycle, data classes, and the bounds every decoder
 * enforces before a value is looked at.
 *
 * @example
 * const call = decodeTaskCall(frameBytes) // throws a typed error on anything malformed
 */
export * from './messages.ts'
export * from './chat.ts'
