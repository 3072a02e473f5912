/**
 * Helpers for the delegation tests: in-process orgs of nodes without the
 * inference runtime, hand-made task requests sent over a raw stream (for
 * replay, tamper and expiry attacks), and reading a stopped node's database
 * byte for byte.
 *
 * @example
 * const [a, b] = await inProcessOrg(h, ['alpha', 'beta'])
 * const events = await submitRaw(b, a, signedRequest(b, a, { input: { prompt: 'hi' } }))
 */
import { randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Harness } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'
import type { MycelNode, MycelNodeInit } from '../../node/assembly/index.ts'
import { frame } from '../../node/streams.ts'
import { encodeCbor } from '../../protocol/cbor.ts'
import { sealSession } from '../../protocol/e2e/index.ts'
import {
  decodeTaskEvent, encodeTaskFrame, encodeTaskRequest, MAX_TASK_FRAME_BYTES, TASK_PROTOCOL, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE,
  type TaskEvent, type TaskRequest
} from '../../protocol/task/messages.ts'
import { encodeSignedRecord, signRecord } from '../../identity/signed-record.ts'
import { homePaths } from '../../node/home/home.ts'

export type NodeInit = Omit<MycelNodeInit, 'home'>

export interface OrgMember { name: string, groups?: string[], init?: NodeInit, beforeStart?: (home: string) => Promise<void> }

/**
 * Founds an org with the first member and joins the others (invites with
 * their groups), all as in-process nodes without the runtime; resolves once
 * every node holds a verified card of every other one.
 */
export async function inProcessOrg<const M extends readonly OrgMember[]> (h: Harness, members: M): Promise<{ -readonly [K in keyof M]: MycelNode }> {
  const [first, ...rest] = members
  if (first == null) throw new Error('an org needs a founder')
  const founderHome = await h.found('acme', first.name, { inProcess: true })
  await first.beforeStart?.(founderHome)
  const founder = await h.node(founderHome, { runtime: false, ...first.init })
  const nodes = [founder]
  for (const m of rest) {
    const args = ['invite', 'create', '--json', ...(m.groups ?? []).flatMap(g => ['--group', g])]
    const invite = (await h.ok(founderHome, args, { inProcess: true })).json<{ invite: string }>().invite
    const home = await h.join(invite, m.name, { inProcess: true })
    await m.beforeStart?.(home)
    nodes.push(await h.node(home, { runtime: false, ...m.init }))
  }
  await meshed(nodes)
  return nodes as unknown as { -readonly [K in keyof M]: MycelNode }
}

/** Waits until every node is admitted by and holds the card of every other one. */
export async function meshed (nodes: MycelNode[]): Promise<void> {
  for (const n of nodes) {
    for (const o of nodes) {
      if (o === n) continue
      await waitFor(() => n.services.gate.member(o.peerId) != null && n.services.cards.card(o.peerId) != null, { what: `${n.name} to admit and hold the card of ${o.name}`, timeoutMs: 60_000 })
    }
  }
}

/** A node's own audit entries as plain objects, oldest first. */
export async function auditOf (node: MycelNode, n = 1000): Promise<Array<{ seq: number, type: string, peer?: string, task?: string, data?: Record<string, unknown> }>> {
  const { entryToJson } = await import('../../node/audit/entry.ts')
  return (await node.services.audit.tail(n)).map(e => entryToJson(e) as any)
}

export interface RequestOptions {
  input?: unknown
  kind?: string
  issuedAt?: number
  expiresAt?: number
  /** Changes the sealed input after sealing (a tampered ciphertext under a valid signature). */
  tamperCiphertext?: boolean
  /** A delegation chain to carry (protocol/chain), its last link bound to `taskId`. */
  chain?: Uint8Array[]
  taskId?: string
}

/** A task request from `from` to `to`, signed with `from`'s node key and sealed to `to`'s card key. */
export function signedRequest (from: MycelNode, to: MycelNode, opts: RequestOptions = {}): { bytes: Uint8Array, taskId: string, msgId: string } {
  const card = from.services.cards.card(to.peerId)
  if (card == null) throw new Error(`${from.name} holds no card of ${to.name}`)
  const taskId = opts.taskId ?? randomBytes(16).toString('hex')
  const org = from.services.credentials.org.id
  const session = sealSession(card.encryptionKey, { org, taskId, delegator: from.peerId, executor: to.peerId })
  const input = session.seal(encodeCbor(opts.input ?? { prompt: 'hello' }), 0)
  if (opts.tamperCiphertext === true) input[input.length - 20]! ^= 0x01
  const now = Date.now()
  const req: TaskRequest = {
    v: 1, org, audience: to.peerId, from: from.peerId,
    msgId: randomBytes(16).toString('hex'), taskId,
    issuedAt: opts.issuedAt ?? now, expiresAt: opts.expiresAt ?? now + 60_000,
    kind: opts.kind ?? 'echo', dataClass: 'internal', enc: session.enc, input,
    ...(opts.chain != null ? { chain: opts.chain } : {})
  }
  return { bytes: encodeSignedRecord(signRecord(from.services.credentials.key, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE, encodeTaskRequest(req))), taskId, msgId: req.msgId }
}

/** Sends one `submit` with exactly these request bytes over a fresh stream; returns every event until the executor ends the stream. */
export async function submitRaw (from: MycelNode, to: MycelNode, request: Uint8Array): Promise<TaskEvent[]> {
  const stream = await from.services.host.dialProtocol(peerIdFromString(to.peerId), TASK_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  const framed = frame(stream, { maxFrameBytes: MAX_TASK_FRAME_BYTES })
  await framed.write(encodeTaskFrame({ v: 1, t: 'submit', request }))
  const events: TaskEvent[] = []
  for (;;) {
    const e = await framed.readOrEnd(decodeTaskEvent, { signal: AbortSignal.timeout(30_000) })
    if (e == null) break
    events.push(e)
    if (e.t === 'error' || e.t === 'result') break
  }
  await framed.close()
  return events
}

/** Removes the founder's addresses a joiner stored, so it reaches the org only through the bootstrap given at start. */
export async function forgetBootstrap (home: string): Promise<void> {
  const path = homePaths(home).nodeConfig
  const config = JSON.parse(await readFile(path, 'utf8'))
  if (config.org != null) config.org.bootstrap = []
  if (config.start != null) config.start.bootstrap = []
  await writeFile(path, JSON.stringify(config, null, 2) + '\n')
}

/** Every file under a stopped node's data folder, concatenated (level's log, tables and manifest as they lie on disk). */
export async function dataFileBytes (home: string): Promise<Buffer> {
  const root = homePaths(home).dataDir
  const parts: Buffer[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) await walk(p)
      else if (e.isFile()) parts.push(await readFile(p))
    }
  }
  await walk(root)
  return Buffer.concat(parts)
}

/**
 * Every key and value in a stopped node's level database, decoded by level
 * (so compressed tables are searched too), concatenated.
 */
export async function dbContents (home: string): Promise<Buffer> {
  const db = new Level<Uint8Array, Uint8Array>(join(homePaths(home).dataDir, 'node'), { keyEncoding: 'view', valueEncoding: 'view' })
  await db.open()
  const parts: Buffer[] = []
  try {
    for await (const [k, v] of db.iterator()) parts.push(Buffer.from(k), Buffer.from(v))
  } finally {
    await db.close()
  }
  return Buffer.concat(parts)
}
