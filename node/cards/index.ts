/**
 * node/cards/: capability cards, the signed statement of what a member
 * offers (kinds, models, collections, hardware, load). `card-service.ts`
 * publishes this node's card and keeps the verified cards of others
 * (`verify.ts`); `content.ts` says what goes in this node's card;
 * `summary.ts` shapes cards for `mycel caps`.
 *
 * @example
 * const cards = cardService()({ logger, host, gate, orgId, chain, content: cardContent(sources), sign, verifier })
 * await cards.start()
 * cards.cards().map(h => h.card.name)
 */
export { cardService, CardService, kindCid, type CardContent, type CardServiceInit, type HeldCard } from './card-service.ts'
export { cardContent, contentWatch, type CardContentSources } from './content.ts'
export { CardRejectedError, verifyCard, type CardRejection } from './verify.ts'
export { capSummary } from './summary.ts'
