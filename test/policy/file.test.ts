import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { defaultFounderPolicy, formatPolicy, loadPolicyFile, parsePolicy } from '../../node/policy/index.ts'

/** A valid policy with one line replaced (1-based), to put one mistake at a known line. */
const GOOD = [
  '{', //                                                            1
  '  "version": 1,', //                                              2
  '  "description": "test org",', //                                 3
  '  "dataClasses": { "leaveNode": ["public", "internal"], "leaveOrg": ["public"] },', // 4
  '  "rateLimits": { "default": "60/min" },', //                     5
  '  "rules": [', //                                                 6
  '    {', //                                                        7
  '      "id": "members-llm",', //                                   8
  '      "groups": ["members"],', //                                 9
  '      "kinds": ["llm.*", "echo"],', //                            10
  '      "classes": ["public", "internal"]', //                      11
  '    }', //                                                        12
  '  ]', //                                                          13
  '}' //                                                             14
]
const withLine = (n: number, text: string): string => GOOD.map((l, i) => i + 1 === n ? text : l).join('\n')

function errorOf (text: string): { name: string, message: string, line: number } {
  try {
    parsePolicy(text, '/home/user/.mycel/policy.json')
  } catch (err) {
    return err as { name: string, message: string, line: number }
  }
  return assert.fail('policy was accepted')
}

describe('policy/file', () => {
  it('reads the documented format', () => {
    const p = parsePolicy(GOOD.join('\n'))
    assert.equal(p.rules[0]?.id, 'members-llm')
    assert.equal(p.rules[0]?.line, 7)
    assert.deepEqual(p.dataClasses.leaveNode, ['public', 'internal'])
    assert.equal(p.rateLimits.default?.count, 60)
  })

  it('names the line of the mistake, for each kind of mistake', () => {
    const cases: Array<[number, string, RegExp]> = [
      [10, '      "kinds": ["llm*x"],', /policy\.json line 10: unknown task kind pattern "llm\*x"/],
      [10, '      "kinds": [],', /line 10: rule "members-llm" needs "kinds"/],
      [11, '      "classes": ["public", "secret"]', /line 11: unknown data class "secret"/],
      [5, '  "rateLimits": { "default": "60/fortnight" },', /line 5: invalid rate "60\/fortnight"/],
      [9, '      "groups": ["members"], "effekt": "allow",', /line 9: unknown key "effekt"/],
      [9, '      "groups": ["members"], "effect": "maybe",', /line 9: effect must be "allow" or "deny"/],
      [4, '  "dataClasses": { "leaveNode": ["public", "local-only"] },', /line 4: "local-only" data can never leave the node/],
      [4, '  "dataClasses": { "leaveNode": ["public"], "leaveOrg": ["internal"] },', /line 4: data class "internal" may leave the org but not the node/],
      [2, '  "version": 2,', /line 2: unsupported version/],
      [8, '      "id": "members-llm"', /line 9: expected "," or "}" in object/],
      [8, '      "id": "members-llm",,', /line 8: expected a key in quotes/],
      [3, '  "description": "test org", "description": "again",', /line 3: duplicate key "description"/],
      [9, '      "groups": "members",', /line 9: groups must be a list of strings/],
      [12, '    }, { "kinds": ["echo"] }', /line 12: rule "rule-2" names no "peers" or "groups"/],
      [5, '  "rateLimits": { "peers": { "not a peer": "1/s" } },', /line 5: invalid peer id "not a peer"/],
      [13, '  ],  "cloudFallback": { "enabled": true, "kinds": ["llm.*"] }', /line 13: cloudFallback is enabled but has no "endpoint"/],
      [3, '  "description": "unterminated,', /line 3: control character in string/],
      [14, '} trailing', /line 14: unexpected character "t" after the end/]
    ]
    for (const [line, text, expected] of cases) {
      const err = errorOf(withLine(line, text))
      assert.equal(err.name, 'InvalidPolicyError', text)
      assert.match(err.message, expected, text)
      assert.match(err.message, /^policy\.json line \d+: /)
    }
    assert.match(errorOf('').message, /^policy\.json line 1: unexpected end of file/)
    assert.match(errorOf('[1, 2]').message, /line 1: the policy must be an object/)
    assert.match(errorOf('{\n\n  "rules": []\n}').message, /line 1: missing "version"/)
  })

  it('loads from disk, round-trips the founder default, and reports a missing file', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'mycel-policy-'))
    t.after(async () => { await rm(dir, { recursive: true, force: true }) })
    const path = join(dir, 'policy.json')
    await writeFile(path, formatPolicy(defaultFounderPolicy()))
    const loaded = await loadPolicyFile(path)
    const { source: _a, rules: ra, ...restA } = loaded
    const { source: _b, rules: rb, ...restB } = defaultFounderPolicy()
    assert.deepEqual(restA, restB)
    assert.deepEqual(ra.map(({ line: _l, ...r }) => r), rb)
    await writeFile(path, withLine(10, '      "kinds": ["llm*x"],'))
    await assert.rejects(loadPolicyFile(path), { name: 'InvalidPolicyError', message: /^policy\.json line 10: / })
    await writeFile(path, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))
    await assert.rejects(loadPolicyFile(path), { name: 'InvalidPolicyError', message: /UTF-8/ })
    await assert.rejects(loadPolicyFile(join(dir, 'absent.json')), { name: 'PolicyFileNotFoundError' })
  })

  it('throws nothing but InvalidPolicyError on random or mutated files', () => {
    const check = (text: string): void => {
      try { parsePolicy(text) } catch (err) {
        assert.equal((err as Error).name, 'InvalidPolicyError', `${(err as Error).name}: ${(err as Error).message}`)
        assert.ok((err as { line: number }).line >= 0)
      }
    }
    fc.assert(fc.property(fc.string({ maxLength: 300 }), check), { numRuns: 2000 })
    fc.assert(fc.property(fc.json({ maxDepth: 6 }), check), { numRuns: 2000 })
    const good = GOOD.join('\n')
    fc.assert(fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.string({ maxLength: 4 }), fc.nat(3), (i, ins, del) => {
      check(good.slice(0, i) + ins + good.slice(i + del))
    }), { numRuns: 3000 })
    // structured fuzz: random values in every field of a rule
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }))
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('id', 'effect', 'peers', 'groups', 'kinds', 'models', 'tools', 'collections', 'classes', 'direction', 'x'), anyValue), rule => {
      check(JSON.stringify({ version: 1, rules: [rule] }, null, 2))
    }), { numRuns: 2000 })
    check('['.repeat(10_000))
    check('{"version": 1, "rules": ' + '['.repeat(5000))
  })
})
