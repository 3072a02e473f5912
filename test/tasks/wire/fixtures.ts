/**
 * An executor's wire server over stubbed components (allow-all policy, an
 * in-memory audit log and replay store, the echo kind) and a client whose
 * dialer hands out in-memory stream pairs connected to it, so both sides of
 * the task protocol run without a network.
 *
 * @example
 * const w = await wirePair()
 * for await (const e of w.client.submit(w.executorId, w.request().bytes, w.session)) ...
 */
import { randomBytes } from 'node:crypto'
import { streamPair } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { encodeCbor } from '../../../protocol/cbor.ts'
import { generateEncryptionKeyPair, sealSession, type E2ESession } from '../../../protocol/e2e/index.ts'
import { encodeTaskRequest, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE, type TaskRequest } from '../../../protocol/task/messages.ts'
import { encodeSignedRecord, signRecord } from '../../../identity/signed-record.ts'
import { generateKeyPair, type Ed25519KeyPair } from '../../../identity/keys.ts'
import { peerIdFromPublicKey } from '../../../identity/peer-id.ts'
import type { AuditLog } from '../../../node/audit/log.ts'
import type { PolicyEngine } from '../../../node/policy/engine.ts'
import { createLogger } from '../../../node/logger.ts'
import { TaskKindRegistry } from '../../../node/tasks/registry.ts'
import { echoKind } from '../../../node/tasks/kinds/echo.ts'
import { TaskEngine, type EngineInit } from '../../../node/tasks/executor/executor.ts'
import { Admission, type AdmissionInit } from '../../../node/tasks/wire/admission.ts'
import type { ReplayStore } from '../../../node/tasks/wire/replay-store.ts'
import { TaskServer, type TaskServerInit } from '../../../node/tasks/wire/server.ts'
import { TaskClient, type TaskClientInit } from '../../../node/tasks/wire/client.ts'
import { ChainGate } from '../../../node/tasks/chain/index.ts'
import { defaultFounderPolicy } from '../../../node/policy/defaults.ts'

export const ORG = 'org-test'

export interface WirePair {
  executorId: string
  delegatorId: string
  delegatorKey: Ed25519KeyPair
  audit: Array<{ type: string, data?: Record<string, unknown> }>
  engine: TaskEngine
  admission: Admission
  server: TaskServer
  client: TaskClient
  /** Streams the client opened so far. */
  dials: () => number
  /** The executor's side of every stream opened, oldest first. */
  serverStreams: Stream[]
  /** A signed request from the delegator, with its session; `over` changes fields before signing. */
  request: (input?: unknown, over?: Partial<TaskRequest>, key?: Ed25519KeyPair) => { bytes: Uint8Array, taskId: string, session: E2ESession }
}

export async function wirePair (init: EngineInit & AdmissionInit & TaskServerInit & TaskClientInit = {}): Promise<WirePair> {
  const executorKey = generateKeyPair()
  const executorId = peerIdFromPublicKey(executorKey.publicKey)
  const delegatorKey = generateKeyPair()
  const delegatorId = peerIdFromPublicKey(delegatorKey.publicKey)
  const encryptionKeys = generateEncryptionKeyPair()
  const audit: WirePair['audit'] = []
  const auditLog = { append: async (e: { type: string, data?: Record<string, unknown> }) => { audit.push(e); return e }, writeNow: () => {} } as unknown as AuditLog
  const seen = new Map<string, number>()
  const policy = { decide: () => ({ allow: true, rule: 'test', reason: 'allowed' }), checkRate: () => ({ allow: true }), checkTokens: () => ({ allow: true }), chargeTokens: () => {} } as unknown as PolicyEngine
  const registry = new TaskKindRegistry()
  registry.register(echoKind())
  const logger = createLogger('test:wire')
  const self = (): string => executorId
  const engine = new TaskEngine({ logger, self, registry, audit: auditLog }, init)
  engine.start()
  const admission = new Admission({ logger, self, orgId: ORG, audit: auditLog, seen: memoryReplayStore(seen) }, init)
  let handler: ((s: Stream, c: Connection) => Promise<void>) | undefined
  const server = new TaskServer({
    logger,
    host: { handle: async (_p, h) => { handler = h }, unhandle: async () => { handler = undefined } },
    self,
    memberGroups: () => [],
    encryptionKeys,
    registry,
    policy,
    audit: auditLog,
    classOf: () => 'internal',
    admission,
    engine,
    chains: new ChainGate({ self, orgId: ORG, policy: { ...policy, policy: defaultFounderPolicy() } as unknown as PolicyEngine, groupsOf: () => [], audit: auditLog })
  }, init)
  await server.start()
  const connection = { remotePeer: { toString: () => delegatorId } } as unknown as Connection
  const serverStreams: Stream[] = []
  const client = new TaskClient({
    logger,
    host: {
      dialProtocol: async () => {
        if (handler == null) throw new Error('the protocol is not handled')
        const [outbound, inbound] = await streamPair()
        serverStreams.push(inbound)
        void handler(inbound, connection)
        return outbound
      }
    }
  }, { stallTimeoutMs: 5_000, ...init })

  const request: WirePair['request'] = (input = { prompt: 'hello' }, over = {}, key = delegatorKey) => {
    const taskId = randomBytes(16).toString('hex')
    const session = sealSession(encryptionKeys.publicKey, { org: ORG, taskId, delegator: delegatorId, executor: executorId })
    const now = Date.now()
    const req: TaskRequest = {
      v: 1, org: ORG, audience: executorId, from: delegatorId, msgId: randomBytes(16).toString('hex'), taskId,
      issuedAt: now, expiresAt: now + 60_000, kind: 'echo', dataClass: 'internal', enc: session.enc,
      input: session.seal(encodeCbor(input), 0), ...over
    }
    return { bytes: encodeSignedRecord(signRecord(key, TASK_REQUEST_DOMAIN, TASK_REQUEST_TYPE, encodeTaskRequest(req))), taskId: req.taskId, session }
  }
  return { executorId, delegatorId, delegatorKey, audit, engine, admission, server, client, dials: () => serverStreams.length, serverStreams, request }
}

/** The replay store's contract over a map, for tests of one component (the node uses `levelReplayStore`). */
export function memoryReplayStore (ids = new Map<string, number>()): ReplayStore {
  return {
    unexpired: async (since) => [...ids].filter(([, exp]) => exp >= since),
    add: async (msgId, expiresAt) => { ids.set(msgId, expiresAt) },
    prune: async (before) => { for (const [id, exp] of ids) if (exp < before) ids.delete(id) }
  }
}
