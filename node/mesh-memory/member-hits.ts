/**
 * A member's answer to `memory.search`, checked before anything reads it:
 * the exact shape, at most `MAX_MEMBER_HITS` hits and `MAX_MEMBER_ANSWER_CHARS`
 * of text in all. A member that sends more or other is refused and named;
 * the rest of the search goes on.
 */
import { arrayOf, num, object, parse, str } from '../../protocol/shape.ts'
import { MAX_MEMBER_ANSWER_CHARS, MAX_MEMBER_HITS } from './constants.ts'
import { MemberAnswerError } from './errors.ts'

const Hit = object({
  text: str({ max: MAX_MEMBER_ANSWER_CHARS }),
  source: str({ max: 4096 }),
  score: num(),
  collection: str({ max: 128 })
})
const Hits = arrayOf(Hit, { max: MAX_MEMBER_HITS })

export interface MemberHit { text: string, source: string, score: number, collection: string }

/** The member's hits, or a `MemberAnswerError` saying what was wrong with them. */
export function memberHits (output: unknown, maxHits = MAX_MEMBER_HITS): MemberHit[] {
  let hits: MemberHit[]
  try {
    hits = parse(Hits, output, 'memory.search answer')
  } catch (err) {
    throw new MemberAnswerError(`The member's answer is not a list of hits: ${(err as Error).message}`)
  }
  if (hits.length > maxHits) throw new MemberAnswerError(`The member answered with ${hits.length} hits; ${maxHits} were asked for`)
  let chars = 0
  for (const h of hits) chars += h.text.length + h.source.length
  if (chars > MAX_MEMBER_ANSWER_CHARS) throw new MemberAnswerError(`The member's answer holds ${chars} characters, more than ${MAX_MEMBER_ANSWER_CHARS}`)
  return hits
}
