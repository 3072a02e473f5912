import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { defaultFounderPolicy, describePolicy, parsePolicy, PolicyEngine, type DecisionRequest } from '../../node/policy/index.ts'

const ALICE = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice'
const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBob'
const MALLORY = '12D3KooWMalloryMalloryMalloryMalloryMallory'

const req = (over: Partial<DecisionRequest> = {}): DecisionRequest =>
  ({ peerId: ALICE, groups: ['members'], kind: 'llm.chat', model: 'tiny-llama', dataClass: 'internal', direction: 'inbound', ...over })

const POLICY = `{
  "version": 1,
  "rules": [
    { "id": "no-mallory", "effect": "deny", "peers": ["${MALLORY}"], "kinds": ["*"] },
    { "id": "eng-llm", "groups": ["engineering"], "kinds": ["llm.*"], "models": ["llama-3*"] },
    { "id": "eng-tools", "groups": ["engineering"], "kinds": ["tool.call"], "tools": ["search", "calc"] },
    { "id": "bob-docs", "peers": ["${BOB}"], "kinds": ["memory.*"], "collections": ["handbook"], "classes": ["public", "internal"], "direction": "outbound" },
    { "id": "anyone-echo", "groups": ["*"], "kinds": ["echo"] }
  ],
  "rateLimits": { "default": "3/min", "peers": { "${BOB}": "off" } }
}`

describe('policy/engine', () => {
  it('denies by default: an empty policy allows nothing', () => {
    const engine = new PolicyEngine({}, { policy: parsePolicy('{ "version": 1 }') })
    for (const kind of ['echo', 'llm.chat', 'tool.call', 'memory.search']) {
      const d = engine.decide(req({ kind }))
      assert.deepEqual([d.allow, d.rule], [false, 'default-deny'])
    }
  })

  it('lets founder-default members run llm.* and echo, and nothing else', () => {
    const engine = new PolicyEngine()
    assert.equal(engine.decide(req({ kind: 'llm.chat' })).allow, true)
    assert.equal(engine.decide(req({ kind: 'llm.embed', direction: 'outbound' })).allow, true)
    assert.equal(engine.decide(req({ kind: 'echo', model: undefined })).rule, 'members-llm-echo')
    assert.equal(engine.decide(req({ kind: 'tool.call', tool: 'shell' })).allow, false)
    assert.equal(engine.decide(req({ kind: 'memory.search', collection: 'hr' })).allow, false)
    assert.equal(engine.decide(req({ groups: ['guests'] })).allow, false)
    assert.equal(engine.decide(req({ groups: [] })).allow, false)
    assert.equal(engine.decide(req({ direction: 'cloud' })).allow, false)
  })

  it('allows and denies by group, peer, model, tool, collection, class and direction, first match winning', () => {
    const engine = new PolicyEngine({}, { policy: parsePolicy(POLICY, 'policy.json') })
    const eng = { groups: ['engineering'] }
    assert.deepEqual(engine.decide(req({ ...eng, model: 'llama-3-8b' })).rule, 'eng-llm')
    assert.equal(engine.decide(req({ ...eng, model: 'mistral' })).allow, false)
    assert.equal(engine.decide(req({ ...eng, kind: 'tool.call', model: undefined, tool: 'calc' })).allow, true)
    assert.equal(engine.decide(req({ ...eng, kind: 'tool.call', model: undefined, tool: 'shell' })).allow, false)
    assert.equal(engine.decide(req({ groups: ['sales'], model: 'llama-3-8b' })).allow, false)
    // a deny rule for a peer wins over the group rules below it
    const m = engine.decide(req({ peerId: MALLORY, ...eng, model: 'llama-3-8b' }))
    assert.deepEqual([m.allow, m.rule, m.line], [false, 'no-mallory', 4])
    // peer rule, collection, class and direction
    const bob = { peerId: BOB, groups: [], kind: 'memory.search', model: undefined, direction: 'outbound' as const }
    assert.equal(engine.decide(req({ ...bob, collection: 'handbook' })).allow, true)
    assert.equal(engine.decide(req({ ...bob, collection: 'payroll' })).allow, false)
    assert.equal(engine.decide(req({ ...bob, collection: 'handbook', dataClass: 'confidential' })).allow, false)
    assert.equal(engine.decide(req({ ...bob, collection: 'handbook', direction: 'inbound' })).allow, false)
    // "*" group: any member with a group
    assert.equal(engine.decide(req({ groups: ['sales'], kind: 'echo' })).rule, 'anyone-echo')
  })

  it('matches kind wildcards by whole segments', () => {
    const engine = new PolicyEngine({}, { policy: parsePolicy('{ "version": 1, "rules": [ { "groups": ["members"], "kinds": ["llm.*"] } ] }') })
    assert.equal(engine.decide(req({ kind: 'llm.complete' })).allow, true)
    assert.equal(engine.decide(req({ kind: 'llm.chat.stream' })).allow, true)
    assert.equal(engine.decide(req({ kind: 'llm' })).allow, false)
    assert.equal(engine.decide(req({ kind: 'llmx.chat' })).allow, false)
    assert.equal(engine.decide(req({ kind: 'echo' })).allow, false)
  })

  it('never lets local-only data leave the node, whatever the rules say', () => {
    const open = parsePolicy(`{ "version": 1, "rules": [ { "peers": ["*"], "groups": ["*"], "kinds": ["*"], "classes": ["public", "internal", "confidential", "local-only"] } ] }`)
    for (const policy of [open, defaultFounderPolicy()]) {
      const engine = new PolicyEngine({}, { policy })
      for (const direction of ['inbound', 'outbound', 'cloud'] as const) {
        const d = engine.decide(req({ dataClass: 'local-only', direction }))
        assert.deepEqual([d.allow, d.rule], [false, 'local-only'], direction)
      }
      assert.equal(engine.decide(req({ dataClass: 'internal' })).allow, true)
    }
  })

  it('keeps classes that may not leave the node at home, and the cloud off unless enabled', () => {
    const strict = parsePolicy(`{ "version": 1, "dataClasses": { "leaveNode": ["public"], "leaveOrg": [] },
      "rules": [ { "groups": ["members"], "kinds": ["llm.*"] } ] }`)
    const engine = new PolicyEngine({}, { policy: strict })
    assert.equal(engine.decide(req({ dataClass: 'confidential', direction: 'outbound' })).rule, 'data-classes')
    assert.equal(engine.decide(req({ dataClass: 'public', direction: 'outbound' })).allow, true)
    const cloud = parsePolicy(`{ "version": 1, "cloudFallback": { "enabled": true, "endpoint": "https://llm.example.com/v1", "kinds": ["llm.chat"] } }`)
    const withCloud = new PolicyEngine({}, { policy: cloud })
    assert.equal(withCloud.decide(req({ direction: 'cloud', dataClass: 'public' })).allow, true)
    assert.equal(withCloud.decide(req({ direction: 'cloud', dataClass: 'internal' })).allow, false)
    assert.equal(withCloud.decide(req({ direction: 'cloud', dataClass: 'public', kind: 'llm.embed' })).allow, false)
    assert.equal(new PolicyEngine().decide(req({ direction: 'cloud', dataClass: 'public' })).rule, 'cloud-fallback')
  })

  it('denies malformed requests instead of throwing', () => {
    const engine = new PolicyEngine()
    for (const bad of [req({ kind: 'LLM chat' }), req({ dataClass: 'secret' as never }), req({ direction: 'sideways' as never }), req({ peerId: '' }), null as never]) {
      assert.deepEqual(engine.decide(bad).rule, 'invalid-request')
    }
  })

  it('rate-limits each peer with a token bucket and says when to retry', () => {
    let now = 0
    const engine = new PolicyEngine({}, { policy: parsePolicy(POLICY), now: () => now })
    for (let i = 0; i < 3; i++) assert.equal(engine.checkRate(ALICE).allow, true)
    const limited = engine.checkRate(ALICE)
    assert.equal(limited.allow, false)
    assert.equal(limited.retryAfterMs, 20_000) // 3/min refills one every 20 s
    assert.equal(engine.checkRate(MALLORY).allow, true) // buckets are per peer
    now += 20_000
    assert.equal(engine.checkRate(ALICE).allow, true)
    assert.equal(engine.checkRate(ALICE).allow, false)
    for (let i = 0; i < 100; i++) assert.equal(engine.checkRate(BOB).allow, true) // "off" for Bob
  })

  it('describes the policy as JSON-able data for `mycel policy show`', () => {
    const summary = describePolicy(defaultFounderPolicy())
    assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary)
    assert.equal(summary.default, 'deny')
    assert.deepEqual(summary.rules[0]?.who, ['group members'])
    assert.deepEqual(summary.rules[0]?.kinds, ['llm.*', 'echo'])
    assert.equal(summary.cloudFallback.enabled, false)
    assert.equal(summary.rateLimits.default, '120/min')
    const fromFile = describePolicy(parsePolicy(POLICY, '/home/x/.mycel/policy.json'))
    assert.equal(fromFile.rules[1]?.line, 5)
  })
})
