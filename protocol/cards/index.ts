/**
 * Capability cards' contract: the signed card payload (models, kinds, tools,
 * collections, hardware, load, encryption key), the card sync exchange, the
 * gossip topic and the org-scoped DHT protocol the cards are found through.
 *
 * @example
 * const card = decodeCardPayload(openedRecord.payload)
 */
export * from './ids.ts'
export * from './card.ts'
