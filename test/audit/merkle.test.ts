import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { appendToFrontier, consistencyPath, frontierRoot, inclusionPath, leafHash, nodeHash, rootOf, sha256, verifyConsistency, verifyInclusion, type FrontierNode, type Hash } from '../../node/audit/merkle.ts'

/** An in-memory store of the perfect subtrees, as the log keeps them in level. */
function build (n: number): { leaves: Hash[], read: (level: number, index: number) => Promise<Hash>, roots: Hash[] } {
  const nodes = new Map<string, Hash>()
  const frontier: FrontierNode[] = []
  const leaves: Hash[] = []
  const roots: Hash[] = [frontierRoot(frontier)]
  for (let i = 0; i < n; i++) {
    const leaf = leafHash(sha256(new TextEncoder().encode(`entry ${i}`)))
    leaves.push(leaf)
    for (const c of appendToFrontier(frontier, i, leaf)) nodes.set(`${c.level}:${c.index}`, c.hash)
    roots.push(frontierRoot(frontier))
  }
  return { leaves, roots, read: async (l, i) => nodes.get(`${l}:${i}`) ?? assert.fail(`missing node ${l}:${i}`) }
}

describe('audit/merkle (RFC 6962)', () => {
  it('computes the same root incrementally as from the definition, for every size up to 130', () => {
    const { leaves, roots } = build(130)
    for (let n = 0; n <= 130; n++) assert.deepEqual(roots[n], rootOf(leaves.slice(0, n)), `size ${n}`)
    // the RFC's split: 5 leaves = node(node(node(0,1), node(2,3)), 4)
    const [a, b, c, d, e] = leaves as [Hash, Hash, Hash, Hash, Hash]
    assert.deepEqual(rootOf([a, b, c, d, e]), nodeHash(nodeHash(nodeHash(a, b), nodeHash(c, d)), e))
  })

  it('proves and checks consistency between every pair of sizes up to 40', async () => {
    const { read, roots } = build(40)
    for (let n = 1; n <= 40; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = await consistencyPath(read, m, n)
        assert.ok(verifyConsistency(m, n, roots[m] as Hash, roots[n] as Hash, proof), `${m} -> ${n}`)
        if (m > 0 && m < n) {
          assert.ok(!verifyConsistency(m, n, roots[m - 1] as Hash, roots[n] as Hash, proof), `wrong old root ${m} -> ${n}`)
          const forged = proof.map((h, i) => i === 0 ? sha256(h) : h)
          assert.ok(!verifyConsistency(m, n, roots[m] as Hash, roots[n] as Hash, forged), `forged proof ${m} -> ${n}`)
        }
      }
    }
  })

  it('proves and checks inclusion of every leaf in every size up to 33', async () => {
    const { read, roots, leaves } = build(33)
    for (let n = 1; n <= 33; n++) {
      for (let i = 0; i < n; i++) {
        const proof = await inclusionPath(read, i, n)
        assert.ok(verifyInclusion(leaves[i] as Hash, i, n, proof, roots[n] as Hash), `${i} in ${n}`)
        if (n > 1) assert.ok(!verifyInclusion(leaves[i] as Hash, (i + 1) % n, n, proof, roots[n] as Hash), `${i} at wrong index in ${n}`)
      }
    }
  })
})
