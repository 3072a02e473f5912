/** Stop sequences over streamed text: nothing past a stop sequence is sent, whatever the piece boundaries. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { StopScanner } from '../../node/runtime/stop.ts'

function run (stops: string[], pieces: string[]): { text: string, stop?: string } {
  const s = new StopScanner(stops)
  let text = ''
  for (const p of pieces) {
    const out = s.push(p)
    text += out.text
    if (out.stop != null) return { text, stop: out.stop }
  }
  return { text: text + s.flush() }
}

describe('StopScanner', () => {
  it('holds back a possible start of a stop sequence across pieces', () => {
    const s = new StopScanner(['END'])
    assert.deepEqual(s.push('abcE'), { text: 'abc' })
    assert.deepEqual(s.push('N'), { text: '' })
    assert.deepEqual(s.push('D tail'), { text: '', stop: 'END' })
    assert.deepEqual(s.push('more'), { text: '' })
  })

  it('lets held-back text go when it turns out not to be a stop', () => {
    assert.deepEqual(run(['END'], ['abE', 'Nx']), { text: 'abENx' })
    assert.deepEqual(run(['END'], ['abEN']), { text: 'abEN' })
  })

  it('cuts at the earliest of several stop sequences', () => {
    assert.deepEqual(run(['zz', 'b'], ['azzb']), { text: 'a', stop: 'zz' })
  })

  it('equals cutting the whole text at its first stop, for any split', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 40 }), fc.array(fc.nat(40), { maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 1, maxLength: 3 }), (text, cuts, stop) => {
      const points = [...new Set(cuts.map(c => c % (text.length + 1)))].sort((x, y) => x - y)
      const pieces = [0, ...points, text.length].slice(1).map((end, i, ends) => text.slice(i === 0 ? 0 : ends[i - 1], end))
      const at = text.indexOf(stop)
      assert.deepEqual(run([stop], pieces), at < 0 ? { text } : { text: text.slice(0, at), stop })
    }))
  })
})
