/**
 * `audit trace` over entries as a node writes them: a task received on a
 * chain and the child it sent form one tree from either end, an ancestor
 * not held here is named, and a refusal shows its reason.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { AuditEntry } from '../../node/audit/entry.ts'
import { buildTrace, formatTrace } from '../../node/audit/trace.ts'

const T0 = 'a'.repeat(32)
const T1 = 'b'.repeat(32)
const T2 = 'c'.repeat(32)
let seq = 0
const entry = (type: string, task: string, peer: string, data: AuditEntry['data']): AuditEntry =>
  ({ seq: seq++, time: 0, type, actor: 'me', task, peer, data, prevHash: new Uint8Array(32), hash: new Uint8Array(32) })

const ENTRIES: AuditEntry[] = [
  entry('task.received', T0, 'carol', { kind: 'agent.run', parentTask: 'f'.repeat(32), chainOrigin: 'carol', chainDepth: 1, chainAgent: null }),
  entry('task.sent', T1, 'alpha', { kind: 'tool.call', parentTask: T0, chainOrigin: 'carol', chainDepth: 2, chainAgent: 'researcher' }),
  entry('task.result', T1, 'alpha', {}),
  entry('task.sent', T2, 'dave', { kind: 'llm.chat', parentTask: T0, chainOrigin: 'carol', chainDepth: 2, chainAgent: 'researcher' }),
  entry('task.rejected', T2, 'dave', { code: 'denied', reason: 'chain-widened' }),
  entry('task.state', T0, 'carol', { state: 'completed' })
]

describe('audit trace', { timeout: 10_000 }, () => {
  it('builds the same tree from the parent or a child, naming an ancestor not held here', () => {
    const fromChild = buildTrace(ENTRIES, T1)
    assert.deepEqual(buildTrace(ENTRIES, T0), fromChild)
    assert.equal(fromChild?.task, T0)
    assert.equal(fromChild?.parent, 'f'.repeat(32))
    assert.deepEqual(fromChild?.children.map(c => [c.task, c.role, c.peer, c.agent, c.state]), [[T1, 'sent', 'alpha', 'researcher', 'completed'], [T2, 'sent', 'dave', 'researcher', 'rejected (chain-widened)']])
    const lines = formatTrace(fromChild!)
    assert.equal(lines.length, 4)
    assert.match(lines[0]!, /not held here/)
    assert.match(lines[3]!, /^└─ c{32} llm\.chat sent to dave depth 2, origin carol, agent researcher \[rejected \(chain-widened\)\]$/)
  })

  it('says nothing of a task it holds no entry of', () => {
    assert.equal(buildTrace(ENTRIES, 'd'.repeat(32)), undefined)
  })
})
