import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { defaultFounderPolicy, describePolicy, kindsOpenToMembers, parsePolicy, PolicyEngine, toolsOpenToMembers, type DecisionRequest } from '../../node/policy/index.ts'

const ALICE = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAlice'
const MALLORY = '12D3KooWMalloryMalloryMalloryMalloryMallory'

const call = (tool: string | undefined, over: Partial<DecisionRequest> = {}): DecisionRequest =>
  ({ peerId: ALICE, groups: ['members'], kind: 'tool.call', ...(tool !== undefined ? { tool } : {}), dataClass: 'internal', direction: 'inbound', ...over })

const engineFor = (rules: string): PolicyEngine => new PolicyEngine({}, { policy: parsePolicy(`{ "version": 1, "rules": [ ${rules} ] }`, 'policy.json') })

describe('policy/tools', () => {
  it('denies a tool call no rule names, even where every kind is allowed', () => {
    const founder = new PolicyEngine()
    assert.deepEqual([founder.decide(call('fs.read_text_file')).allow, founder.decide(call('fs.read_text_file')).rule], [false, 'default-deny'])
    const everyKind = engineFor('{ "id": "all-kinds", "groups": ["members"], "kinds": ["*"] }')
    assert.equal(everyKind.decide(call('code.run')).allow, false)
    assert.equal(everyKind.decide(call('code.run')).rule, 'default-deny')
    assert.equal(everyKind.decide({ ...call(undefined), kind: 'echo' }).allow, true, 'the same rule still allows other kinds')
  })

  it('allows a tool call with a rule naming the tool, and only that tool', () => {
    const engine = engineFor('{ "id": "calc", "groups": ["members"], "kinds": ["tool.call"], "tools": ["code.run"] }')
    const d = engine.decide(call('code.run'))
    assert.deepEqual([d.allow, d.rule, d.line], [true, 'calc', 1])
    assert.match(d.reason, /tool code\.run/)
    assert.equal(engine.decide(call('fs.read_text_file')).allow, false)
    assert.equal(engine.decide(call('code.run', { groups: ['guests'] })).allow, false)
  })

  it('matches a provider pattern: fs.* covers fs.read_text_file', () => {
    const engine = engineFor('{ "id": "files", "groups": ["members"], "kinds": ["tool.call"], "tools": ["fs.*"] }')
    assert.equal(engine.decide(call('fs.read_text_file')).allow, true)
    assert.equal(engine.decide(call('fs.list_directory')).allow, true)
    assert.equal(engine.decide(call('fsx.read')).allow, false)
    assert.equal(engine.decide(call('git.log')).allow, false)
  })

  it('never allows a tool call that names no tool', () => {
    const engine = engineFor('{ "id": "any-tool", "groups": ["members"], "kinds": ["tool.call"], "tools": ["*"] }')
    assert.equal(engine.decide(call('anything.at_all')).allow, true)
    const d = engine.decide(call(undefined))
    assert.deepEqual([d.allow, d.rule], [false, 'default-deny'])
  })

  it('lets a deny rule before an allow win, for one tool or one peer', () => {
    const engine = engineFor(`
      { "id": "no-mallory", "effect": "deny", "peers": ["${MALLORY}"], "kinds": ["*"] },
      { "id": "no-writes", "effect": "deny", "groups": ["*"], "kinds": ["tool.call"], "tools": ["fs.write*", "fs.edit*"] },
      { "id": "files", "groups": ["members"], "kinds": ["tool.call"], "tools": ["fs.*"] }`)
    assert.equal(engine.decide(call('fs.read_text_file')).rule, 'files')
    assert.deepEqual([engine.decide(call('fs.write_file')).allow, engine.decide(call('fs.write_file')).rule], [false, 'no-writes'])
    assert.equal(engine.decide(call('fs.edit_file')).rule, 'no-writes')
    const m = engine.decide(call('fs.read_text_file', { peerId: MALLORY }))
    assert.deepEqual([m.allow, m.rule], [false, 'no-mallory'])
    // with no tool named, the deny rules still decide (and the allow never would)
    assert.equal(engine.decide(call(undefined, { peerId: MALLORY })).rule, 'no-mallory')
  })

  it('keeps a local-only tool\'s output on the node whatever the rules say', () => {
    const engine = engineFor('{ "groups": ["*"], "kinds": ["tool.call"], "tools": ["*"], "classes": ["public", "internal", "confidential", "local-only"] }')
    for (const direction of ['inbound', 'outbound'] as const) {
      assert.equal(engine.decide(call('vault.read', { dataClass: 'local-only', direction })).rule, 'local-only')
    }
  })

  it('says in the summary what each rule does to tool calls, and what the card may offer', () => {
    const policy = parsePolicy(`{ "version": 1, "rules": [
      { "id": "no-writes", "effect": "deny", "groups": ["*"], "kinds": ["tool.call"], "tools": ["fs.write*"] },
      { "id": "files", "groups": ["members"], "kinds": ["tool.call"], "tools": ["fs.*", "code.run"] },
      { "id": "all-kinds", "groups": ["members"], "kinds": ["*"] },
      { "id": "eng-git", "groups": ["engineering"], "kinds": ["tool.call"], "tools": ["git.*"] },
      { "id": "models", "groups": ["members"], "kinds": ["llm.*"] }
    ] }`)
    const rules = describePolicy(policy).rules
    assert.deepEqual(rules.map(r => r.toolCalls), [
      'denies tool.call of fs.write*',
      'allows tool.call of fs.*, code.run',
      'allows no tool calls (names no tools)',
      'allows tool.call of git.*',
      undefined
    ])
    assert.deepEqual(toolsOpenToMembers(policy, ['fs.read_text_file', 'fs.write_file', 'code.run', 'git.log', 'db.query']), ['fs.read_text_file', 'code.run'])
    // a rule that allows every kind but names no tools does not open tool.call
    const noTools = parsePolicy('{ "version": 1, "rules": [ { "groups": ["members"], "kinds": ["*"] } ] }')
    assert.deepEqual(kindsOpenToMembers(noTools, ['echo', 'tool.call']), ['echo'])
    assert.deepEqual(kindsOpenToMembers(policy, ['echo', 'tool.call']), ['echo', 'tool.call'])
    assert.equal(describePolicy(defaultFounderPolicy()).rules[0]?.toolCalls, undefined)
  })
})
