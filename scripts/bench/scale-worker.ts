/**
 * One member process of the scale bench: runs the members the coordinator
 * (scale.ts) hands it, each a whole Mycel node without inference, and
 * answers its requests (scale-ipc.ts) about them. Started by the bench
 * with `fork`, never by hand.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Harness } from '../../test/helpers/harness.ts'
import type { MycelNode } from '../../node/mycel-node.ts'
import { wireBytes } from '../../node/net/pnet.ts'
import { applyHostLimit, now, type Arrivals, type Op, type ReplyMessage, type RequestMessage, type Requests } from './scale-ipc.ts'
import { startProfile } from './scale-profile.ts'

const POLL_MS = 20
/** Members started at once: all together would time the machine, not the mesh. */
const BATCH = 8

applyHostLimit()
const h = new Harness()
const members: MycelNode[] = []
let rest: { bytes: number, cpu: NodeJS.CpuUsage, stopProfile?: () => Promise<void> } | undefined

/** Polls `arrived` at each member until all hold or `timeoutMs` passes; each time is when it was first seen. */
async function arrivals (nodes: MycelNode[], arrived: (n: MycelNode) => boolean, timeoutMs: number): Promise<Arrivals> {
  const at = new Map<MycelNode, number>()
  const deadline = now() + timeoutMs
  while (at.size < nodes.length && now() <= deadline) {
    for (const n of nodes) if (!at.has(n) && arrived(n)) at.set(n, now())
    await sleep(POLL_MS)
  }
  return { times: [...at.values()], missed: nodes.filter(n => !at.has(n)).map(n => `${n.peerId.slice(-6)} (${n.services.host.getConnections().length} conns)`) }
}

const member = (peerId: string): MycelNode => {
  const n = members.find(m => m.peerId === peerId)
  if (n == null) throw new Error(`no member ${peerId} here`)
  return n
}

const handlers: { [K in Op]: (args: Requests[K]['args']) => Promise<Requests[K]['result']> } = {
  start: async ({ homes }) => {
    for (let i = 0; i < homes.length; i += BATCH) members.push(...await Promise.all(homes.slice(i, i + BATCH).map(async home => await h.node(home, { runtime: false }))))
    return { peerIds: members.map(m => m.peerId) }
  },
  formed: async ({ size, timeoutMs }) => {
    const holds = (n: MycelNode): boolean => n.services.cards.cards().length >= size
    const { times, missed } = await arrivals(members, holds, timeoutMs)
    return missed.length === 0 ? { at: Math.max(...times), whole: members.length } : { whole: members.filter(holds).length }
  },
  card: async ({ peerId, seq, timeoutMs }) => await arrivals(members.filter(m => m.peerId !== peerId), n => (n.services.cards.card(peerId)?.seq ?? 0) >= seq, timeoutMs),
  publish: async ({ peerId }) => ({ seq: (await member(peerId).services.cards.publish()).seq }),
  revocation: async ({ seq, skip, timeoutMs }) => await arrivals(members.filter(m => !skip.includes(m.peerId)), n => n.services.revocations.seq() >= seq, timeoutMs),
  restStart: async ({ name }) => {
    const stopProfile = await startProfile(name)
    rest = { bytes: wireBytes.sent + wireBytes.received, cpu: process.cpuUsage(), ...(stopProfile != null ? { stopProfile } : {}) }
    return {}
  },
  restEnd: async () => {
    if (rest == null) throw new Error('no rest window started')
    const cpu = process.cpuUsage(rest.cpu)
    const bytes = wireBytes.sent + wireBytes.received - rest.bytes
    await rest.stopProfile?.()
    rest = undefined
    return { bytes, cpuMs: (cpu.user + cpu.system) / 1000 }
  },
  connections: async () => ({ counts: members.map(m => m.services.host.getConnections().length) }),
  stop: async () => {
    await h.cleanup()
    members.length = 0
    return {}
  }
}

process.on('message', (msg: RequestMessage) => {
  const handler = handlers[msg.op] as (args: unknown) => Promise<unknown>
  void handler(msg.args).then(
    (result) => { process.send?.({ id: msg.id, result } satisfies ReplyMessage) },
    (err: Error) => { process.send?.({ id: msg.id, error: err.message } satisfies ReplyMessage) }
  )
})
// the coordinator went away (it ended or crashed): stop the members and end
process.on('disconnect', () => { void h.cleanup().finally(() => { process.exit(0) }) })
