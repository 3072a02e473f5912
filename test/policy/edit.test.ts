/** `mycel policy allow|deny|rm` edit the file's JSON and write only a policy that parses. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { addRule, removeRule } from '../../node/policy/edit.ts'
import { defaultFounderPolicy, formatPolicy } from '../../node/policy/defaults.ts'

const PATH = '/home/x/policy.json'
const PEER = '12D3KooWQmqHxPf5LwZ5kJKQvXvWdMqSsYvR7yJbP5dDnTtcQn4Y'
const base = (): string => {
  const file = JSON.parse(formatPolicy(defaultFounderPolicy()))
  file.description = 'kept as written'
  return JSON.stringify(file, null, 2)
}

describe('policy edits', { timeout: 10_000 }, () => {
  it('an allow goes after the rules there, a deny before them, and both take effect in that order', () => {
    const allowed = addRule(base(), PATH, { effect: 'allow', groups: ['eng'], kinds: ['tool.call'], tools: ['fs.*'] })
    assert.deepEqual(allowed.policy.rules.map(r => r.id), ['members-llm-echo', 'allow-tool.call'])
    assert.deepEqual(allowed.policy.rules[1]?.tools, ['fs.*'])
    const denied = addRule(allowed.text, PATH, { effect: 'deny', peers: [PEER], kinds: ['*'] })
    assert.deepEqual(denied.policy.rules.map(r => r.id), ['deny-any', 'members-llm-echo', 'allow-tool.call'])
    assert.equal(denied.policy.description, 'kept as written')
  })

  it('--before places a rule, and a taken default id is numbered', () => {
    const one = addRule(base(), PATH, { effect: 'allow', groups: ['eng'], kinds: ['echo'] })
    const two = addRule(one.text, PATH, { effect: 'allow', groups: ['ops'], kinds: ['echo'], before: 'members-llm-echo' })
    assert.deepEqual(two.policy.rules.map(r => r.id), ['allow-echo-2', 'members-llm-echo', 'allow-echo'])
  })

  it('a wrong rule or a broken file is refused with the reason, and nothing is produced', () => {
    assert.throws(() => addRule(base(), PATH, { effect: 'allow', groups: ['eng'], kinds: ['bad kind'] }), /policy\.json: the new rule: unknown task kind pattern "bad kind"/)
    assert.throws(() => addRule(base(), PATH, { effect: 'allow', groups: ['eng'], kinds: ['echo'], id: 'members-llm-echo' }), /exists already/)
    assert.throws(() => addRule(base(), PATH, { effect: 'allow', groups: ['eng'], kinds: ['echo'], before: 'nope' }), /no rule "nope"/)
    assert.throws(() => addRule('{ "version": 1, ', PATH, { effect: 'allow', groups: ['eng'], kinds: ['echo'] }), /policy\.json line 1/)
  })

  it('rm removes a rule by id and lists the ids when there is no such rule', () => {
    const added = addRule(base(), PATH, { effect: 'deny', groups: ['guests'], kinds: ['llm.*'] })
    const removed = removeRule(added.text, PATH, 'members-llm-echo')
    assert.deepEqual(removed.policy.rules.map(r => r.id), ['deny-llm.any'])
    assert.throws(() => removeRule(removed.text, PATH, 'gone'), /no rule "gone" \(the rules are deny-llm\.any\)/)
  })
})
