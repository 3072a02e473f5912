/** Errors of federated memory search. */

/** A member answered a search with something that is not a bounded list of hits. */
export class MemberAnswerError extends Error {
  static override name = 'MemberAnswerError'
  readonly code = 'malformed'
  constructor (message = 'The member answered with something that is not a list of hits') {
    super(message)
    this.name = MemberAnswerError.name
  }
}

/** No member (this node included) holds the collection a search names. */
export class CollectionNotHeldError extends Error {
  static override name = 'CollectionNotHeldError'
  readonly code = 'not-found'
  constructor (collection: string) {
    super(`No member holds collection "${collection}"`)
    this.name = CollectionNotHeldError.name
  }
}
