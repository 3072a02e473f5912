import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { fuseMemberHits, memberHits, MAX_MEMBER_ANSWER_CHARS, MemberAnswerError } from '../../node/mesh-memory/index.ts'

const hit = (text: string, score = 1, collection = 'c'): { text: string, source: string, score: number, collection: string } => ({ text, source: `${text}.md`, score, collection })

describe('reciprocal rank fusion of members\' hits', { timeout: 10_000 }, () => {
  it('interleaves by rank, whatever scale each member scores on', () => {
    const fused = fuseMemberHits([
      { node: 'alpha', peerId: 'A', hits: [hit('a1', 900), hit('a2', 800)] },
      { node: 'beta', peerId: 'B', hits: [hit('b1', 0.2), hit('b2', 0.1)] }
    ], 4)
    // equal ranks tie on 1/(60+r); the member's own score breaks the tie
    assert.deepEqual(fused.map(h => [h.text, h.node]), [['a1', 'alpha'], ['b1', 'beta'], ['a2', 'alpha'], ['b2', 'beta']])
    assert.equal(fused[0]?.score, 1 / 61)
    assert.equal(fused[2]?.score, 1 / 62)
  })

  it('a chunk two members return is one hit that both vote for, attributed to the better rank', () => {
    const fused = fuseMemberHits([
      { node: 'alpha', peerId: 'A', hits: [hit('only alpha'), hit('shared  text')] },
      { node: 'beta', peerId: 'B', hits: [hit('shared text')] }
    ], 5)
    assert.deepEqual(fused.map(h => [h.text, h.node]), [['shared text', 'beta'], ['only alpha', 'alpha']])
    assert.equal(fused[0]?.score, 1 / 61 + 1 / 62)
  })

  it('keeps k and answers nothing from nothing', () => {
    assert.deepEqual(fuseMemberHits([], 3), [])
    assert.equal(fuseMemberHits([{ node: 'a', peerId: 'A', hits: [hit('1'), hit('2'), hit('3')] }], 2).length, 2)
  })
})

describe('a member\'s answer is checked before it is fused', { timeout: 10_000 }, () => {
  it('takes a list of hits', () => {
    assert.deepEqual(memberHits([hit('x')], 5), [hit('x')])
  })

  it('refuses garbage, extra fields, too many hits and too much text', () => {
    for (const bad of [null, 'hits', { hits: [] }, [{ text: 1 }], [{ ...hit('x'), extra: true }]]) {
      assert.throws(() => memberHits(bad, 5), (e: Error) => e.name === MemberAnswerError.name, JSON.stringify(bad))
    }
    assert.throws(() => memberHits([hit('1'), hit('2')], 1), /2 hits; 1 were asked for/)
    const big = 'x'.repeat(MAX_MEMBER_ANSWER_CHARS / 2)
    const long = (text: string): ReturnType<typeof hit> => ({ ...hit('x'), text })
    assert.throws(() => memberHits([long(big), long(big)], 5), /more than/)
  })
})
