/**
 * A member must not be able to take a node down with big traffic: one task of
 * about 1 MB, then a thousand small ones, over the org's private network
 * between two `mycel start` processes. With `@libp2p/pnet`'s WebAssembly
 * cipher both processes died within a few hundred tasks
 * (`WebAssembly.Memory.grow(): Maximum memory size exceeded`).
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { harness, type Harness, type MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'

const LARGE_PROMPT_CHARS = 900 * 1024
const SMALL_TASKS = 1000
const PARALLEL = 8
/** Far above what a node needs, far below what an unbounded leak of 1 MB frames reaches. */
const MAX_RSS_GROWTH_BYTES = 600 * 1024 * 1024

async function rssBytes (n: MycelProcess): Promise<number> {
  const status = await readFile(`/proc/${n.child.pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  assert.ok(kb != null, 'VmRSS readable')
  return Number(kb) * 1024
}

/** One echo task from `from` pinned to `to`; a `busy` answer is retried after the time it names, as a client would. */
async function echo (from: MycelProcess, to: MycelProcess, prompt: string): Promise<string> {
  for (;;) {
    const last = await echoOnce(from, to, prompt)
    if (last.type === 'result') return last.output ?? ''
    if (last.error?.wire === 'busy') { await sleep(last.error.retryAfterMs ?? 100); continue }
    throw new Error(`task failed: ${JSON.stringify(last)}`)
  }
}

async function echoOnce (from: MycelProcess, to: MycelProcess, prompt: string): Promise<{ type: string, output?: string, error?: { wire?: string, retryAfterMs?: number } }> {
  const res = await fetch(`${from.api.url}/api/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${from.api.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'echo', input: { prompt }, peer: to.peerId }),
    signal: AbortSignal.timeout(60_000)
  })
  const lines = (await res.text()).trim().split('\n').map(l => JSON.parse(l))
  return lines.at(-1)
}

describe('large frames over the private network', () => {
  const h: Harness = harness({ after })
  let alpha: MycelProcess
  let beta: MycelProcess

  before(async () => {
    // the default 120 tasks a minute per peer would make this a rate-limit test
    const unlimited = async (home: string): Promise<string> => {
      const policy = defaultFounderPolicy()
      policy.rateLimits.default = null
      await writeFile(join(home, 'policy.json'), formatPolicy(policy))
      return home
    }
    alpha = await h.start(await unlimited(await h.found('acme', 'alpha')))
    beta = await h.start(await unlimited(await h.join(await h.invite(alpha), 'beta')))
    await waitFor(async () => (await beta.capIds()).includes(alpha.peerId), { what: 'beta to hold alpha\'s card', timeoutMs: 60_000 })
  })

  it('a 1 MB task then 1,000 small ones leave both nodes up with bounded memory', async () => {
    const rssBefore = [await rssBytes(alpha), await rssBytes(beta)]
    const large = 'x'.repeat(LARGE_PROMPT_CHARS)
    assert.equal((await echo(beta, alpha, large)).length, LARGE_PROMPT_CHARS)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < SMALL_TASKS) {
        const i = next++
        assert.equal(await echo(beta, alpha, `small ${i}`), `small ${i}`)
      }
    }
    await Promise.all(Array.from({ length: PARALLEL }, worker))
    assert.ok(alpha.running && beta.running, `both nodes still run (alpha: ${alpha.stderr.slice(-500)} beta: ${beta.stderr.slice(-500)})`)
    assert.equal((await alpha.status()).peerId, alpha.peerId)
    assert.equal((await beta.status()).peerId, beta.peerId)
    // the large task travelled the other way too
    assert.equal((await echo(alpha, beta, large)).length, LARGE_PROMPT_CHARS)
    const rssAfter = [await rssBytes(alpha), await rssBytes(beta)]
    for (const i of [0, 1]) assert.ok(rssAfter[i]! - rssBefore[i]! < MAX_RSS_GROWTH_BYTES, `RSS grew ${rssBefore[i]} -> ${rssAfter[i]}`)
  })
})
