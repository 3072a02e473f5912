import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cardTools } from '../../node/tools/card.ts'
import type { ToolDescriptor } from '../../node/tools/index.ts'

function tool (name: string, over: Partial<ToolDescriptor> = {}): ToolDescriptor {
  const [provider = '', inner = ''] = name.split('.')
  return { name, provider, tool: inner, description: `${name} does one thing`, inputSchema: { type: 'object', properties: { path: { type: 'string' } } }, dataClass: 'internal', ...over }
}

describe('tools/card (the tools a card lists)', { timeout: 10_000 }, () => {
  it('lists tools with their schema and class, never a local-only one', () => {
    const { tools, left } = cardTools([tool('fs.read'), tool('vault.read', { dataClass: 'local-only' }), tool('docs.get', { dataClass: 'confidential' })])
    assert.deepEqual(tools.map(t => [t.name, t.class]), [['fs.read', 'internal'], ['docs.get', 'confidential']])
    assert.deepEqual(tools[0]?.schema, { type: 'object', properties: { path: { type: 'string' } } })
    assert.deepEqual(left, [])
  })

  it('cuts long descriptions, and leaves out schemas too big or too deep for a card, saying why', () => {
    let deep: Record<string, unknown> = { type: 'string' }
    for (let i = 0; i < 14; i++) deep = { type: 'object', properties: { x: deep } }
    const big = { type: 'object', properties: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, { type: 'string', description: 'x'.repeat(100) }])) }
    const { tools, left } = cardTools([tool('a.long', { description: 'd'.repeat(5000) }), tool('a.deep', { inputSchema: deep }), tool('a.big', { inputSchema: big })])
    assert.deepEqual(tools.map(t => t.name), ['a.long'])
    assert.equal(tools[0]?.description.length, 1024)
    assert.deepEqual(left.map(l => l.tool), ['a.deep', 'a.big'])
    assert.match(left[0]?.reason ?? '', /does not fit a card/)
    assert.match(left[1]?.reason ?? '', /more than 4096/)
  })

  it('stops at the byte budget, in order, and names what it left out', () => {
    const list = Array.from({ length: 40 }, (_, i) => tool(`p.t${String(i).padStart(2, '0')}`, { description: 'y'.repeat(900) }))
    const { tools, left } = cardTools(list, { maxBytes: 8 * 1024 })
    assert.ok(tools.length > 0 && tools.length < 40)
    assert.equal(tools.length + left.length, 40)
    assert.ok(left.every(l => l.reason === 'the card has no room left'))
    assert.equal(tools.at(-1)?.name, `p.t${String(tools.length - 1).padStart(2, '0')}`)
  })
})
