/**
 * Load signals' contract: the signed load beat, its gossip topic, and the
 * protocol id that marks a node reading load on task responses.
 *
 * @example
 * const beat = decodeLoadBeat(openedRecord.payload)
 */
export * from './ids.ts'
export * from './beat.ts'
