/**
 * Federated memory search: three members each hold a third of a corpus;
 * one of them searches all three (fan-out, deadline, rank fusion) against
 * the same search over the whole corpus in one local store, and against one
 * `memory.search` delegated to a single member (the mesh's floor).
 *
 * Reproduce: `npm run bench -- federated-memory`
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Harness } from '../../test/helpers/harness.ts'
import { waitFor } from '../../test/helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { homePaths } from '../../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { openMemory } from '../../node/memory/index.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const DOCS_PER_MEMBER = 300
const QUERIES = 300
const WARMUP = 30
const K = 5
const WORDS = 'harbour ferry lantern orchard glacier granite meadow copper willow ember falcon tundra river quartz saffron bramble canyon delta lagoon prairie'.split(' ')

function corpus (member: number): Record<string, string> {
  const files: Record<string, string> = {}
  for (let i = 0; i < DOCS_PER_MEMBER; i++) {
    const w = (j: number): string => WORDS[(i * 7 + j * 3 + member * 5) % WORDS.length] as string
    files[`m${member}-d${i}.md`] = `Note ${i} of member ${member}: the ${w(0)} near the ${w(1)} and the ${w(2)} beyond the ${w(3)}, token${member}x${i}.\n`
  }
  return files
}

async function ingestInto (dir: string, collection: string, files: Record<string, string>, scratch: string): Promise<void> {
  const folder = join(scratch, collection)
  const { mkdir } = await import('node:fs/promises')
  await mkdir(folder, { recursive: true })
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text)
  const m = await openMemory(dir)
  try { await m.store.ingest([folder], { collection }) } finally { await m.close() }
}

async function allowMemory (home: string): Promise<void> {
  const policy = defaultFounderPolicy()
  policy.rateLimits.default = null
  const base = policy.rules[0]!
  policy.rules.push({ ...base, id: 'bench-memory', description: 'Members search each other.', kinds: ['memory.*'], collections: ['*'], direction: 'both' })
  await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
}

async function p50 (call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await call()
  const latencies: number[] = []
  for (let i = 0; i < QUERIES; i++) {
    const t = performance.now()
    await call()
    latencies.push(performance.now() - t)
  }
  return percentile(latencies, 50)
}

async function run (): Promise<BenchRow[]> {
  const suite = 'federated-memory'
  const h = new Harness()
  try {
    const scratch = await h.tempDir('mycel-bench-fed-')
    const aHome = await h.found('bench', 'alpha', { inProcess: true })
    const union = join(scratch, 'union-db')
    const prepare = async (home: string, i: number): Promise<void> => {
      await allowMemory(home)
      await ingestInto(homePaths(home).memoryDir, `c${i}`, corpus(i), join(scratch, `m${i}`))
      await ingestInto(union, `c${i}`, corpus(i), join(scratch, `u${i}`))
    }
    await prepare(aHome, 0)
    // invites carry the founder's addresses: it runs before anyone joins
    const nodes: MycelNode[] = [await h.node(aHome, { runtime: false })]
    for (const [i, name] of ['beta', 'gamma'].entries()) {
      const home = await h.join(await h.invite(aHome, { inProcess: true }), name, { inProcess: true })
      await prepare(home, i + 1)
      nodes.push(await h.node(home, { runtime: false }))
    }
    const [alpha, beta, gamma] = nodes as [MycelNode, MycelNode, MycelNode]
    await waitFor(() => [alpha, beta].every(n => (gamma.services.cards.card(n.peerId)?.collections.length ?? 0) > 0), { what: 'gamma to hold both cards with collections', timeoutMs: 60_000 })
    const query = (i: number): string => `${WORDS[i % WORDS.length] as string} ${WORDS[(i * 3 + 1) % WORDS.length] as string}`
    let i = 0
    const federated = await p50(async () => {
      const r = await gamma.services.meshMemory.search(query(i++), { k: K, deadlineMs: 10_000 })
      if (r.partial || r.members.length !== 3) throw new Error(`a member missed the bench search: ${JSON.stringify(r.missed)}`)
    })
    const local = await openMemory(union)
    let localP50: number
    try {
      i = 0
      localP50 = await p50(async () => await local.store.search(query(i++), { k: K }))
    } finally { await local.close() }
    i = 0
    const one = await p50(async () => await gamma.services.meshMemory.search(query(i++), { k: K, peer: alpha.peerId, deadlineMs: 10_000 }))
    return [
      { suite, name: `search of ${3 * DOCS_PER_MEMBER} docs in one local store: p50`, value: localP50, unit: 'ms' },
      { suite, name: 'federated search over 3 members: p50', value: federated, unit: 'ms', baseline: { name: 'same search local p50', value: localP50 }, target: '<= 1.5x', met: federated / localP50 <= 1.5 },
      { suite, name: 'federated search over 3 members vs one delegated search: p50', value: federated, unit: 'ms', baseline: { name: 'one member p50', value: one } }
    ]
  } finally {
    await h.cleanup()
  }
}

export const federatedMemory: BenchSuite = { name: 'federated-memory', run }
