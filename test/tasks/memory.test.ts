/**
 * Memory over the mesh: alpha holds two collections, `handbook` (internal)
 * and `secret` (local-only), and a policy that lets members search and ask
 * its collections. Beta's remote search of `handbook` gets hits; its search
 * of `secret` is denied by the local-only rule and audited on alpha; a search
 * of "everything" never returns a `secret` chunk, and no hit carries alpha's
 * paths; alpha's card never names `secret`. Alpha itself can search both.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness } from '../helpers/harness.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { homePaths } from '../../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { setCollectionClass } from '../../node/memory/classes.ts'
import { waitFor } from '../helpers/wait.ts'
import { auditOf, inProcessOrg } from './helpers.ts'

interface Hit { text: string, source: string, collection: string }

describe('memory tasks across the mesh', () => {
  const h = harness({ after })
  let alpha: MycelNode
  let beta: MycelNode
  let docs: string

  before(async () => {
    docs = await h.tempDir('mycel-docs-')
    await mkdir(join(docs, 'handbook'))
    await mkdir(join(docs, 'secret'))
    await writeFile(join(docs, 'handbook', 'expenses.md'), 'Receipts for travel expenses are due within thirty days of the trip.\n')
    await writeFile(join(docs, 'secret', 'merger.md'), 'The merger with Initech closes on the first of March; travel expenses are frozen.\n')
    const allowMemory = async (home: string): Promise<void> => {
      const policy = defaultFounderPolicy()
      const base = policy.rules[0]!
      policy.rules.push({ ...base, id: 'members-memory', description: 'Members search and ask our collections.', kinds: ['memory.*'], collections: ['*'], direction: 'both' })
      await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
      await setCollectionClass(join(home, 'collections.json'), 'secret', 'local-only')
    }
    ;[alpha, beta] = await inProcessOrg(h, [
      { name: 'alpha', beforeStart: allowMemory, init: { runtime: false } },
      { name: 'beta', beforeStart: allowMemory, init: { runtime: false } }
    ])
    await alpha.services.memory.opened.store.ingest([join(docs, 'handbook')], { collection: 'handbook' })
    await alpha.services.memory.opened.store.ingest([join(docs, 'secret')], { collection: 'secret' })
    await alpha.services.memory.refresh()
  })

  const search = async (from: MycelNode, input: Record<string, unknown>, collection?: string): Promise<Hit[]> => {
    const res = await from.services.router.run({ kind: 'memory.search', peer: alpha.peerId, input, ...(collection != null ? { collection } : {}) })
    return res.output as Hit[]
  }

  it('serves an internal collection to a permitted member', async () => {
    const hits = await search(beta, { query: 'receipts travel expenses', collection: 'handbook' }, 'handbook')
    assert.ok(hits.length > 0)
    assert.match(hits[0]?.text ?? '', /Receipts for travel expenses/)
    assert.equal(hits[0]?.collection, 'handbook')
  })

  it('shows a remote member sources relative to the ingested folder, never the executor\'s paths', async () => {
    const hits = [...await search(beta, { query: 'receipts travel expenses', collection: 'handbook' }, 'handbook'), ...await search(beta, { query: 'travel expenses' })]
    assert.ok(hits.length > 0)
    for (const hit of hits) {
      assert.equal(hit.source, 'expenses.md')
      assert.ok(!JSON.stringify(hit).includes(docs), `absolute path in ${JSON.stringify(hit)}`)
    }
    // the node itself still sees where its files are
    const own = await alpha.services.router.run({ kind: 'memory.search', local: true, input: { query: 'receipts', collection: 'handbook' }, collection: 'handbook' })
    assert.equal((own.output as Hit[])[0]?.source, join(docs, 'handbook', 'expenses.md'))
  })

  it('denies a remote search of a local-only collection and audits the denial', async () => {
    await assert.rejects(search(beta, { query: 'merger', collection: 'secret' }, 'secret'), (err: Error & { code?: string }) => err.code === 'denied')
    const denial = (await auditOf(alpha)).filter(e => e.type === 'policy.decision' && e.peer === beta.peerId && e.data?.allow === false)
    assert.equal(denial.length, 1)
    assert.equal(denial[0]?.data?.rule, 'local-only')
    assert.equal(denial[0]?.data?.kind, 'memory.search')
  })

  it('never returns local-only chunks to a remote search of every collection', async () => {
    const hits = await search(beta, { query: 'travel expenses merger Initech' })
    assert.ok(hits.length > 0, 'the handbook still matches')
    assert.ok(hits.every(hit => hit.collection === 'handbook'), `got ${JSON.stringify(hits.map(x => x.collection))}`)
    assert.ok(hits.every(hit => !/Initech/.test(hit.text)))
  })

  it('lets the node itself search its local-only collection', async () => {
    const res = await alpha.services.router.run({ kind: 'memory.search', local: true, input: { query: 'merger Initech', collection: 'secret' }, collection: 'secret', dataClass: 'local-only' })
    const hits = res.output as Hit[]
    assert.match(hits[0]?.text ?? '', /Initech/)
  })

  it('names only collections others may query in its card, never a local-only one', async () => {
    await alpha.services.cards.publish()
    const card = await waitFor(() => beta.services.cards.card(alpha.peerId)?.collections.some(c => c.name === 'handbook') === true && beta.services.cards.card(alpha.peerId), { what: 'beta to hold alpha\'s card with its collections', timeoutMs: 30_000 })
    assert.deepEqual(card.collections.map(c => ({ name: c.name, classification: c.classification })), [{ name: 'handbook', classification: 'internal' }])
    assert.ok((card.collections[0]?.chunks ?? 0) >= 1, 'the card counts the chunks')
    assert.ok(!JSON.stringify(alpha.services.cards.card(alpha.peerId) ?? card).includes('secret'))
  })
})
