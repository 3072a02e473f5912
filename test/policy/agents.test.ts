/**
 * Agents as policy principals: a rule naming `NAME@PEER` allows what that
 * member's agent asks for, not the member's other requests nor another
 * node's agent of the same name; a bare `NAME` is this node's own agent;
 * a bad principal is refused naming its line, and the file round-trips.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parsePolicy } from '../../node/policy/parse.ts'
import { PolicyEngine } from '../../node/policy/engine.ts'
import { formatPolicy } from '../../node/policy/defaults.ts'
import type { DecisionRequest } from '../../node/policy/types.ts'
import { policyAgentDecision } from '../../node/tasks/chain/index.ts'

const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBB'
const C = '12D3KooWCCCCCCCCCCCCCCCCCCCCCCCC'
const SELF = '12D3KooWSELFSELFSELFSELFSELFSELF'

const text = JSON.stringify({
  version: 1,
  rules: [
    { id: 'b-coder', agents: [`coder@${B}`], kinds: ['tool.call'], tools: ['fs.read_text_file'], direction: 'inbound' },
    { id: 'own-scout', agents: ['scout'], kinds: ['llm.*'], direction: 'outbound' },
    { id: 'any-of-c', agents: [`*@${C}`], kinds: ['echo'], direction: 'inbound' }
  ]
}, null, 2)

const req = (r: Partial<DecisionRequest>): DecisionRequest => ({ peerId: B, groups: ['members'], kind: 'tool.call', tool: 'fs.read_text_file', dataClass: 'internal', direction: 'inbound', ...r })

describe('agents as policy principals', { timeout: 10_000 }, () => {
  const engine = new PolicyEngine({}, { policy: parsePolicy(text), self: SELF })

  it('allows the named agent of the named member, and nobody else by that rule', () => {
    assert.equal(engine.decide(req({ agent: { name: 'coder', node: B } })).rule, 'b-coder')
    assert.equal(engine.decide(req({})).allow, false, 'the member itself, without its agent')
    assert.equal(engine.decide(req({ agent: { name: 'other', node: B } })).allow, false)
    assert.equal(engine.decide(req({ peerId: C, agent: { name: 'coder', node: C } })).allow, false, 'a namesake on another node')
  })

  it('a bare name is this node\'s agent; *@PEER is any agent of that member', () => {
    assert.equal(engine.decide(req({ kind: 'llm.chat', tool: undefined, direction: 'outbound', agent: { name: 'scout', node: SELF } })).rule, 'own-scout')
    assert.equal(engine.decide(req({ kind: 'llm.chat', tool: undefined, direction: 'outbound', agent: { name: 'scout', node: B } })).allow, false)
    assert.equal(engine.decide(req({ peerId: C, kind: 'echo', tool: undefined, agent: { name: 'anyone', node: C } })).rule, 'any-of-c')
  })

  it('refuses a malformed agent principal naming its line, and writes agents back', () => {
    const bad = text.replace(`"coder@${B}"`, '"Coder Bot@x"')
    assert.throws(() => parsePolicy(bad), (err: Error) => /invalid agent "Coder Bot@x"/.test(err.message) && /line 7:/.test(err.message))
    assert.deepEqual(parsePolicy(formatPolicy(parsePolicy(text))).rules.map(r => r.agents), [[`coder@${B}`], ['scout'], [`*@${C}`]])
  })
})

describe('agents on a delegation chain, decided by policy', { timeout: 10_000 }, () => {
  const policy = new PolicyEngine({}, {
    self: SELF,
    policy: parsePolicy(JSON.stringify({
      version: 1,
      rules: [
        { id: 'no-rogue', effect: 'deny', agents: [`rogue@${B}`], kinds: ['*'], direction: 'inbound' },
        { id: 'members', groups: ['members'], kinds: ['echo', 'tool.call'], tools: ['*'], direction: 'inbound' }
      ]
    }))
  })
  const decide = policyAgentDecision({ self: () => SELF, policy, groupsOf: (p) => p === B ? ['members'] : undefined })
  const facts = { kind: 'echo', dataClass: 'internal' as const }

  it('a member\'s agent has its node\'s rights, less what a rule naming it denies', () => {
    assert.equal(decide({ node: B, agent: 'helper' }, facts).allow, true)
    const d = decide({ node: B, agent: 'rogue' }, facts)
    assert.equal(d.allow, false)
    assert.equal(d.rule, 'no-rogue')
  })

  it('an agent of a non-member is refused; this node\'s own agents act under their profile', () => {
    assert.equal(decide({ node: C, agent: 'helper' }, facts).rule, 'not-a-member')
    assert.equal(decide({ node: SELF, agent: 'rogue' }, facts).allow, true)
  })
})
