/**
 * The membership protocols' contracts: the hello exchange every connection
 * must pass (`MEMBERSHIP_PROTOCOL`), joining with an invite (`JOIN_PROTOCOL`),
 * certificate renewal (`RENEW_PROTOCOL`) and the revocation gossip topic,
 * with bounded decoders for each message.
 *
 * @example
 * const hello = decodeHello(frameBytes)
 */
export * from './ids.ts'
export * from './messages.ts'
