/** The chat's rules apart from the terminal: Ctrl-C cancels a turn, twice at the prompt exits, /exit exits. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ChatLoop } from '../../node/cli/chat/index.ts'

function loop () {
  const notes: string[] = []
  const turns: string[] = []
  let exits = 0
  let release: (() => void) | undefined
  const chat = new ChatLoop({
    turn: async (text, signal) => {
      turns.push(text)
      await new Promise<void>((resolve, reject) => {
        release = resolve
        signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
      })
    },
    note: (t) => { notes.push(t) },
    prompt: () => {},
    exit: () => { exits++ }
  })
  return { chat, notes, turns, exits: () => exits, release: () => release?.() }
}

describe('chat loop', { timeout: 10_000 }, () => {
  it('Ctrl-C during a turn cancels that turn, not the chat', async () => {
    const l = loop()
    const running = l.chat.line('hello')
    assert.equal(l.chat.busy, true)
    assert.equal(l.chat.interrupt(), 'cancelled')
    await running
    assert.deepEqual(l.notes, ['[turn cancelled]'])
    assert.equal(l.exits(), 0)
    assert.equal(l.chat.busy, false)
  })

  it('at the prompt, Ctrl-C twice exits; a line in between disarms', async () => {
    const l = loop()
    assert.equal(l.chat.interrupt(), 'armed')
    const running = l.chat.line('next')
    l.release()
    await running
    assert.equal(l.chat.interrupt(), 'armed')
    assert.equal(l.chat.interrupt(), 'exit')
    assert.equal(l.exits(), 1)
    assert.deepEqual(l.turns, ['next'])
  })

  it('/exit ends the chat; empty lines run nothing', async () => {
    const l = loop()
    await l.chat.line('   ')
    await l.chat.line('/exit')
    assert.equal(l.exits(), 1)
    assert.deepEqual(l.turns, [])
  })
})
