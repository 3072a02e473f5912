/**
 * Task delegation figures, each next to what it is compared with in the same
 * run:
 *
 * - delegated `echo` (64 B) between two in-process nodes on loopback,
 *   and again between a `mycel start` process and a node in this process
 *   (as between two machines: each side's work on a core of its own, the
 *   raw rows then with their echo side in a process too, raw-echo.ts),
 *   one in flight: throughput and p50/p99, against the raw libp2p
 *   request/response row (`rawRequestResponse` from the mesh suite, a
 *   stream per request as libp2p protocols do); throughput with 8 in flight
 *   against raw with 8 in flight; and raw on one open stream, the transport
 *   floor a kept task stream runs on. Raw and delegated runs take turns
 *   for `ECHO_ROUNDS` rounds and each row is the median of its rounds;
 * - what one delegated task spends where, measured in isolation: request
 *   signature (sign + verify), end-to-end encryption (session setup with the
 *   encapsulation kept, seal and open of input, one chunk and the result),
 *   audit appends (9 per task: 3 on the delegator, 6 on the executor, in 2
 *   writes: the delegator's lazy receipt joins its next task's first write)
 *   and policy decisions (2 per task);
 * - tokens per second on the generated `bench` model delegated to a peer on
 *   loopback, next to node-llama-cpp called directly and Mycel's runtime run
 *   locally.
 *
 * Reproduce: `npm run bench -- tasks`
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign as edSign, verify as edVerify } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { Harness, type MycelProcess } from '../../test/helpers/harness.ts'
import { waitFor } from '../../test/helpers/wait.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { homePaths } from '../../node/home/home.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'
import { PolicyEngine } from '../../node/policy/engine.ts'
import { digest, openAuditLog, type AuditEntryInput } from '../../node/audit/index.ts'
import { LAZY } from '../../node/audit/constants.ts'
import { encodeCbor } from '../../protocol/cbor.ts'
import { generateEncryptionKeyPair, openSession, sealSession } from '../../protocol/e2e/index.ts'
import { decodeTaskRequest, encodeTaskRequest, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE, type TaskRequest } from '../../protocol/task/messages.ts'
import { encodeSignedRecord, openSignedRecord, signRecord } from '../../identity/signed-record.ts'
import { generateKeyPair } from '../../identity/keys.ts'
import { rawRequestResponse, type RawRequestResponseResult } from './mesh.ts'
import { BENCH_PROMPT, BENCH_TOKENS, benchLlama, benchModelPath, directGenerator, measureTokenRate, type GenerateFn } from './runtime.ts'
import { opsPerSecond, percentile, type BenchRow, type BenchSuite } from './table.ts'

const median = (values: number[]): number => percentile(values, 50)

const ECHO_REQUESTS = 1000
/** Turns of raw and delegated runs; each row is the median of its rounds. */
const ECHO_ROUNDS = 3
/** Tasks in flight for the throughput rows under load (one in flight gives little more than 1 / latency). */
const ECHO_CONCURRENCY = 8
const MESSAGE_BYTES = 64
const AUDIT_APPENDS_PER_TASK = 9
const POLICY_DECISIONS_PER_TASK = 2
const RUNS = 3
const SPKI = Buffer.from('302a300506032b6570032100', 'hex')

async function noRateLimits (home: string): Promise<void> {
  const policy = defaultFounderPolicy()
  policy.rateLimits.default = null
  await writeFile(homePaths(home).policy, formatPolicy(policy), { mode: 0o600 })
}

/** A founder and one member, in this process, with rate limits off so the bench measures the path, not the limiter. */
export async function twoNodes (h: Harness, runtime: false | Record<string, unknown>, onFounderHome?: (home: string) => Promise<void>, onMemberHome?: (home: string) => Promise<void>): Promise<[MycelNode, MycelNode]> {
  const aHome = await h.found('bench', 'executor', { inProcess: true })
  await noRateLimits(aHome)
  await onFounderHome?.(aHome)
  const a = await h.node(aHome, { runtime: runtime as any })
  const bHome = await h.join(await h.invite(aHome, { inProcess: true }), 'delegator', { inProcess: true })
  await noRateLimits(bHome)
  await onMemberHome?.(bHome)
  const b = await h.node(bHome, { runtime: false })
  await waitFor(() => b.services.cards.card(a.peerId) != null && b.services.gate.member(a.peerId) != null && a.services.gate.member(b.peerId) != null, { what: 'the two bench nodes to mesh', timeoutMs: 60_000 })
  return [a, b]
}

/**
 * The founder as a `mycel start` process, the member in this process, rate
 * limits off: delegation between two processes, as between two machines.
 */
export async function nodeAndProcess (h: Harness): Promise<[MycelProcess, MycelNode]> {
  const aHome = await h.found('bench', 'executor', { inProcess: true })
  await noRateLimits(aHome)
  const a = await h.start(aHome)
  const bHome = await h.join(await h.invite(a, { inProcess: true }), 'delegator', { inProcess: true })
  await noRateLimits(bHome)
  const b = await h.node(bHome, { runtime: false })
  await waitFor(async () => b.services.cards.card(a.peerId) != null && b.services.gate.member(a.peerId) != null && (await a.capIds()).includes(b.peerId), { what: 'the bench node and process to mesh', timeoutMs: 60_000 })
  return [a, b]
}

export interface EchoResult { throughput: number, p50: number, p99: number }

/** Delegated `echo` of 64 B, `concurrency` in flight (one by default); latencies per task. */
export async function delegatedEcho (executor: { peerId: string }, delegator: MycelNode, concurrency = 1): Promise<EchoResult> {
  const prompt = randomBytes(MESSAGE_BYTES / 2).toString('hex')
  const once = async (): Promise<void> => { await delegator.services.router.run({ kind: 'echo', peer: executor.peerId, input: { prompt } }) }
  const run = async (n: number, latencies?: number[]): Promise<number> => {
    let next = 0
    const start = performance.now()
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++
        const t = performance.now()
        await once()
        latencies?.push(performance.now() - t)
      }
    }))
    return performance.now() - start
  }
  await run(100)
  const latencies: number[] = []
  const elapsed = await run(ECHO_REQUESTS, latencies)
  return { throughput: ECHO_REQUESTS / (elapsed / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
}

/** Microseconds per call of `fn`. */
async function usPerOp (fn: () => unknown, ms = 1000): Promise<number> {
  return 1e6 / await opsPerSecond(fn, ms)
}

async function parts (): Promise<{ signVerifyUs: number, e2eUs: number, auditUs: number, policyUs: number }> {
  const key = generateKeyPair()
  const executorKeys = generateEncryptionKeyPair()
  const ctx = { org: 'benchorg', taskId: randomBytes(16).toString('hex'), delegator: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', executor: '12D3KooWRBhwfeP2Y9CDkFRBAZ1pmxUadH36TKuk3KtKm5XXP8mA' }
  const input = encodeCbor({ prompt: randomBytes(MESSAGE_BYTES / 2).toString('hex') })
  const sealed = sealSession(executorKeys.publicKey, ctx)
  const req: TaskRequest = {
    v: 1, org: ctx.org, audience: ctx.executor, from: ctx.delegator, msgId: randomBytes(16).toString('hex'), taskId: ctx.taskId,
    issuedAt: Date.now(), expiresAt: Date.now() + 60_000, kind: 'echo', dataClass: 'internal', enc: sealed.enc, input: sealed.seal(input, 0)
  }
  const signVerifyUs = await usPerOp(() => {
    const bytes = encodeSignedRecord(signRecord(key, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE, encodeTaskRequest(req)))
    decodeTaskRequest(openSignedRecord(bytes, { domain: TASK_REQUEST_DOMAIN, payloadType: TASK_REQUEST_TYPE, maxBytes: 1 << 20 }).payload)
  })
  // both ends of one task: key setup, input, one chunk, the result
  const e2eUs = await usPerOp(() => {
    const d = sealSession(executorKeys.publicKey, ctx)
    const x = openSession(executorKeys, d.enc, ctx)
    x.open(d.seal(input, 0), 0)
    d.open(x.seal(input, 1), 1)
    d.open(x.seal(encodeCbor({ output: 'x'.repeat(MESSAGE_BYTES) }), 2), 2)
  })
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const dir = await mkdtemp(join(tmpdir(), 'mycel-bench-tasks-audit-'))
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
  let auditUs: number
  try {
    await db.open()
    const log = await openAuditLog({
      db: db.sublevel('audit'),
      sign: (m: Uint8Array) => new Uint8Array(edSign(null, m, privateKey)),
      publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI.length)),
      verify: (p: Uint8Array, m: Uint8Array, s: Uint8Array) => edVerify(null, m, createPublicKey({ key: Buffer.concat([SPKI, p]), format: 'der', type: 'spki' }), s)
    })
    let i = 0
    const entry = (state: string): AuditEntryInput => ({ type: 'task.state', actor: ctx.executor, peer: ctx.delegator, task: ctx.taskId, data: { state, n: i++, input: digest(input) } })
    // in the writes a task makes: the delegator's decision and sent entry together (with the
    // last task's lazy receipt), the executor's four lazy entries with its result and completed
    // state; the delegator's receipt is lazy and joins the next task's first write
    let receipt: Promise<unknown> = Promise.resolve()
    auditUs = await usPerOp(async () => {
      await Promise.all([log.append(entry('decision')), log.append(entry('sent')), receipt])
      const lazy = ['received', 'decision', 'submitted', 'working'].map(async s => await log.append(entry(s), LAZY))
      await Promise.all([...lazy, log.append(entry('result')), log.append(entry('completed'))])
      receipt = log.append(entry('delegator-result'), LAZY)
    })
    await receipt
    await log.stop()
  } finally {
    await db.close()
    await rm(dir, { recursive: true, force: true })
  }
  const policy = new PolicyEngine({}, { policy: defaultFounderPolicy() })
  const policyUs = await usPerOp(() => policy.decide({ peerId: ctx.delegator, groups: ['members'], kind: 'echo', dataClass: 'internal', direction: 'inbound' }))
  return { signVerifyUs, e2eUs, auditUs, policyUs: policyUs * POLICY_DECISIONS_PER_TASK }
}

/** node-llama-cpp with no Mycel in between, one sequence; its own llama instance, disposed with it. */
async function directGenerator1 (modelPath: string): Promise<{ generate: GenerateFn, dispose: () => Promise<void> }> {
  const llama = await benchLlama()
  const direct = await directGenerator(llama, modelPath, { sequences: 1 })
  return { generate: direct.generate, dispose: async () => { await direct.dispose(); await llama.dispose() } }
}

async function tokenRows (suite: string): Promise<BenchRow[]> {
  const modelPath = await benchModelPath()
  const h = new Harness()
  const direct = await directGenerator1(modelPath)
  try {
    const [executor, delegator] = await twoNodes(h, { keepAliveMs: 600_000 }, async (home) => { await h.ok(home, ['models', 'add', modelPath, '--name', 'bench'], { inProcess: true }) })
    await executor.services.cards.publish()
    await waitFor(() => delegator.services.cards.card(executor.peerId)?.models.some(m => m.name === 'bench'), { what: 'the bench model in the executor\'s card', timeoutMs: 60_000 })
    const via = (node: MycelNode, opts: { peer?: string, local?: true }): GenerateFn => async (maxTokens, onText) => {
      const res = await node.services.router.run({ kind: 'llm.complete', model: 'bench', ...opts, input: { model: 'bench', prompt: BENCH_PROMPT, maxTokens, temperature: 0 }, onEvent: e => { if (e.type === 'text') onText(e.text) } })
      return res.usage?.completionTokens ?? 0
    }
    const local = via(executor, { local: true })
    const delegated = via(delegator, { peer: executor.peerId })
    await direct.generate(8, () => {}); await local(8, () => {}); await delegated(8, () => {})
    const d: number[] = []; const l: number[] = []; const r: number[] = []
    for (let i = 0; i < RUNS; i++) {
      d.push((await measureTokenRate(direct.generate, { runs: 1 })).tokensPerSecond)
      l.push((await measureTokenRate(local, { runs: 1 })).tokensPerSecond)
      r.push((await measureTokenRate(delegated, { runs: 1 })).tokensPerSecond)
    }
    const directRate = percentile(d, 50)
    const delegatedRate = percentile(r, 50)
    const backend = executor.services.runtime?.hardware().backend ?? 'cpu'
    return [
      { suite, name: `tok/s direct node-llama-cpp (${backend}, ${BENCH_TOKENS} tok)`, value: directRate, unit: 'tok/s' },
      { suite, name: `tok/s via Mycel runtime, local (${backend})`, value: percentile(l, 50), unit: 'tok/s', baseline: { name: 'direct', value: directRate } },
      { suite, name: `tok/s delegated to a peer on loopback (${backend})`, value: delegatedRate, unit: 'tok/s', baseline: { name: 'direct', value: directRate }, target: '>= 0.9x', met: delegatedRate / directRate >= 0.9 }
    ]
  } finally {
    await h.cleanup()
    await direct.dispose()
  }
}

async function run (): Promise<BenchRow[]> {
  const suite = 'tasks'
  const rows: BenchRow[] = []
  // raw and delegated rounds take turns, so a slow minute on a shared machine weighs on both
  // sides of a ratio; each figure is the median of its rounds
  const rounds: Array<{ raw: RawRequestResponseResult, rawMany: RawRequestResponseResult, rawOpen: RawRequestResponseResult, echo: EchoResult, echoMany: EchoResult, apart: { raw: RawRequestResponseResult, rawMany: RawRequestResponseResult, echo: EchoResult, echoMany: EchoResult } }> = []
  const h = new Harness()
  try {
    const [executor, delegator] = await twoNodes(h, false)
    // the same between two processes, as between two machines: each side's work on a core of its own
    const [executorProcess, member] = await nodeAndProcess(h)
    await delegatedEcho(executor, delegator) // the nodes settle and the code warms up
    await delegatedEcho(executorProcess, member)
    for (let i = 0; i < ECHO_ROUNDS; i++) {
      const raw = await rawRequestResponse({ requests: ECHO_REQUESTS, messageBytes: MESSAGE_BYTES })
      const echo = await delegatedEcho(executor, delegator)
      const echoMany = await delegatedEcho(executor, delegator, ECHO_CONCURRENCY)
      const rawMany = await rawRequestResponse({ requests: ECHO_REQUESTS, messageBytes: MESSAGE_BYTES, concurrency: ECHO_CONCURRENCY })
      // what the transport costs once a stream is open, as a kept task stream is
      const rawOpen = await rawRequestResponse({ requests: ECHO_REQUESTS, messageBytes: MESSAGE_BYTES, mode: 'message' })
      const apartRaw = await rawRequestResponse({ requests: ECHO_REQUESTS, messageBytes: MESSAGE_BYTES, serverProcess: true })
      const apartEcho = await delegatedEcho(executorProcess, member)
      const apartEchoMany = await delegatedEcho(executorProcess, member, ECHO_CONCURRENCY)
      const apartRawMany = await rawRequestResponse({ requests: ECHO_REQUESTS, messageBytes: MESSAGE_BYTES, concurrency: ECHO_CONCURRENCY, serverProcess: true })
      rounds.push({ raw, rawMany, rawOpen, echo, echoMany, apart: { raw: apartRaw, rawMany: apartRawMany, echo: apartEcho, echoMany: apartEchoMany } })
    }
  } finally {
    await h.cleanup()
  }
  const med = (pick: (r: typeof rounds[number]) => number): number => median(rounds.map(pick))
  const raw = { throughput: med(r => r.raw.throughput), p50: med(r => r.raw.p50), p99: med(r => r.raw.p99) }
  const echo = { throughput: med(r => r.echo.throughput), p50: med(r => r.echo.p50), p99: med(r => r.echo.p99) }
  const rawMany = { throughput: med(r => r.rawMany.throughput) }
  const echoMany = { throughput: med(r => r.echoMany.throughput) }
  const rawOpen = { p50: med(r => r.rawOpen.p50) }
  const apart = {
    raw: { throughput: med(r => r.apart.raw.throughput), p50: med(r => r.apart.raw.p50) },
    echo: { throughput: med(r => r.apart.echo.throughput), p50: med(r => r.apart.echo.p50) },
    rawMany: med(r => r.apart.rawMany.throughput),
    echoMany: med(r => r.apart.echoMany.throughput)
  }
  rows.push(
    { suite, name: `raw libp2p req/resp ${MESSAGE_BYTES} B: throughput`, value: raw.throughput, unit: 'req/s' },
    { suite, name: `delegated echo ${MESSAGE_BYTES} B: throughput`, value: echo.throughput, unit: 'req/s', baseline: { name: 'raw', value: raw.throughput }, target: '>= 0.5x', met: echo.throughput / raw.throughput >= 0.5 },
    { suite, name: `delegated echo ${MESSAGE_BYTES} B: p50`, value: echo.p50, unit: 'ms', baseline: { name: 'raw p50', value: raw.p50 }, target: '<= 2x', met: echo.p50 / raw.p50 <= 2 },
    { suite, name: `delegated echo ${MESSAGE_BYTES} B: p99`, value: echo.p99, unit: 'ms', baseline: { name: 'raw p99', value: raw.p99 } },
    { suite, name: `raw libp2p req/resp ${MESSAGE_BYTES} B on one open stream: p50`, value: rawOpen.p50, unit: 'ms', baseline: { name: 'a stream each', value: raw.p50 } },
    { suite, name: `raw libp2p req/resp ${MESSAGE_BYTES} B: throughput, ${ECHO_CONCURRENCY} in flight`, value: rawMany.throughput, unit: 'req/s' },
    { suite, name: `delegated echo ${MESSAGE_BYTES} B: throughput, ${ECHO_CONCURRENCY} in flight`, value: echoMany.throughput, unit: 'req/s', baseline: { name: `raw, ${ECHO_CONCURRENCY} in flight`, value: rawMany.throughput }, target: '>= 0.5x', met: echoMany.throughput / rawMany.throughput >= 0.5 },
    { suite, name: `two processes: raw libp2p req/resp ${MESSAGE_BYTES} B: throughput`, value: apart.raw.throughput, unit: 'req/s' },
    { suite, name: `two processes: delegated echo ${MESSAGE_BYTES} B: throughput`, value: apart.echo.throughput, unit: 'req/s', baseline: { name: 'raw', value: apart.raw.throughput }, target: '>= 0.5x', met: apart.echo.throughput / apart.raw.throughput >= 0.5 },
    { suite, name: `two processes: delegated echo ${MESSAGE_BYTES} B: p50`, value: apart.echo.p50, unit: 'ms', baseline: { name: 'raw p50', value: apart.raw.p50 }, target: '<= 2x', met: apart.echo.p50 / apart.raw.p50 <= 2 },
    { suite, name: `two processes: delegated echo ${MESSAGE_BYTES} B: throughput, ${ECHO_CONCURRENCY} in flight`, value: apart.echoMany, unit: 'req/s', baseline: { name: `raw, ${ECHO_CONCURRENCY} in flight`, value: apart.rawMany }, target: '>= 0.5x', met: apart.echoMany / apart.rawMany >= 0.5 }
  )
  const p = await parts()
  const p50Us = echo.p50 * 1000
  const part = (name: string, us: number): BenchRow => ({ suite, name: `per task, in isolation: ${name}`, value: us, unit: 'us', baseline: { name: 'delegated p50', value: p50Us } })
  rows.push(
    part('request sign + verify', p.signVerifyUs),
    part('e2e setup (encapsulation kept) + seal/open (input, chunk, result)', p.e2eUs),
    part(`audit appends (${AUDIT_APPENDS_PER_TASK}, in the 2 writes a task makes)`, p.auditUs),
    part(`policy decisions (${POLICY_DECISIONS_PER_TASK})`, p.policyUs)
  )
  rows.push(...await tokenRows(suite))
  return rows
}

export const tasks: BenchSuite = { name: 'tasks', run }
