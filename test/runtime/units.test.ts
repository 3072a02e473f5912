import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Scheduler } from '../../node/runtime/scheduler.ts'
import { ChunkCoalescer, TokenTextDecoder } from '../../node/runtime/stream.ts'
import { RETRY_AFTER_MIN_MS } from '../../node/runtime/constants.ts'
import { validateModelUri } from '../../node/runtime/registry.ts'
import { fallbackChatPrompt } from '../../node/runtime/chat.ts'
import type { Token } from 'node-llama-cpp'

describe('runtime/scheduler', { timeout: 30_000 }, () => {
  it('grants freed slots by priority, then arrival', async () => {
    const s = new Scheduler({ capacity: () => 1, maxQueued: 10 })
    const first = await s.acquire('m', 'background')
    const order: string[] = []
    const wait = (name: string, p: 'interactive' | 'delegated' | 'background'): Promise<void> =>
      s.acquire('m', p).then(lease => { order.push(name); lease.release() })
    const all = Promise.all([wait('bg', 'background'), wait('del1', 'delegated'), wait('int', 'interactive'), wait('del2', 'delegated')])
    assert.equal(s.stats().queued, 4)
    first.release()
    await all
    assert.deepEqual(order, ['int', 'del1', 'del2', 'bg'])
  })

  it('rejects beyond the queue bound with a retry-after, and never drops a queued task', async () => {
    const s = new Scheduler({ capacity: () => 1, maxQueued: 1 })
    const a = await s.acquire('m', 'interactive')
    const queued = s.acquire('m', 'interactive')
    await assert.rejects(s.acquire('m', 'interactive'), (err: Error & { retryAfterMs?: number }) => {
      assert.equal(err.name, 'RuntimeBusyError')
      assert.ok((err.retryAfterMs ?? 0) >= RETRY_AFTER_MIN_MS)
      return true
    })
    a.release()
    const b = await queued
    b.release()
    assert.deepEqual(s.stats(), { running: 0, queued: 0, byKey: {} })
  })

  it('removes a waiting task when its signal aborts', async () => {
    const s = new Scheduler({ capacity: () => 1 })
    const a = await s.acquire('m', 'interactive')
    const ac = new AbortController()
    const waiting = s.acquire('m', 'interactive', ac.signal)
    ac.abort()
    await assert.rejects(waiting, { name: 'TaskCanceledError' })
    assert.equal(s.stats().queued, 0)
    a.release()
  })

  it('keeps keys apart: a busy model does not block another', async () => {
    const s = new Scheduler({ capacity: () => 1 })
    const a = await s.acquire('a', 'interactive')
    const b = await s.acquire('b', 'interactive')
    assert.equal(s.stats().running, 2)
    a.release(); b.release()
  })
})

describe('runtime/stream', { timeout: 30_000 }, () => {
  // A byte tokenizer: token n is byte n; detokenizing invalid UTF-8 yields U+FFFD, as llama.cpp's does through N-API.
  const detok = (tokens: readonly Token[]): string => Buffer.from(tokens as readonly number[]).toString('utf8')

  it('holds back a split multi-byte character until it is complete', () => {
    const d = new TokenTextDecoder(detok)
    const bytes = [...Buffer.from('a€b😀')]
    const pieces = bytes.map(b => d.push(b as Token))
    pieces.push(d.end())
    assert.equal(pieces.join(''), 'a€b😀')
    assert.ok(pieces.every(p => !p.includes('\uFFFD')))
  })

  it('gives up on invalid bytes after a few tokens, the same way every time', () => {
    const run = (): string => {
      const d = new TokenTextDecoder(detok)
      let s = ''
      for (const b of [0x61, 0xE2, 0x82, 0x80, 0x80, 0x80, 0x62, 0xF0]) s += d.push(b as Token)
      return s + d.end()
    }
    assert.equal(run(), run())
    assert.ok(run().startsWith('a'))
    assert.ok(run().includes('b'))
  })

  it('flushes the first chunk at once, then groups tokens', () => {
    const chunks: string[] = []
    const c = new ChunkCoalescer(t => chunks.push(t), { intervalMs: 60_000, maxTokens: 4 })
    for (const ch of 'abcdefghij') c.push(ch)
    assert.deepEqual(chunks, ['a', 'bcde', 'fghi'])
    c.flush()
    assert.deepEqual(chunks, ['a', 'bcde', 'fghi', 'j'])
  })
})

describe('runtime/registry URIs', { timeout: 30_000 }, () => {
  it('accepts Hugging Face and https URIs and refuses the rest with a clear error', () => {
    for (const ok of ['hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q8_0', 'hf:user/repo/model.Q4_K_M.gguf', 'https://example.com/m.gguf']) validateModelUri(ok)
    for (const bad of ['', 'hf:', 'hf:onlyowner', 'http://example.com/m.gguf', 'ftp://x/y.gguf', 'file:///etc/passwd', 'https://u:p@example.com/m.gguf', 'hf:a/b:../../x']) {
      assert.throws(() => { validateModelUri(bad) }, { name: 'InvalidModelUriError' }, bad)
    }
  })
})

describe('runtime/chat fallback format', { timeout: 30_000 }, () => {
  it('is one block per message then an open assistant block', () => {
    assert.equal(fallbackChatPrompt([{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hi' }]), '<|system|>\nBe terse.\n<|user|>\nHi\n<|assistant|>\n')
  })
})

describe('runtime/hardware', { timeout: 30_000 }, () => {
  it('warns loudly when a GPU is present but inference runs on the CPU', async () => {
    const { detectHardware } = await import('../../node/runtime/hardware.ts')
    const cpuOnly = { gpu: false as const, getGpuDeviceNames: async () => [], getVramState: async () => ({ total: 0, used: 0, free: 0, unifiedSize: 0 }) }
    const hw = await detectHardware(cpuOnly, { gpusPresent: ['NVIDIA H100'] })
    assert.equal(hw.backend, 'cpu')
    assert.equal(hw.warnings.length, 1)
    assert.match(hw.warnings[0] ?? '', /GPU present but NOT used: NVIDIA H100/)
    const none = await detectHardware(cpuOnly, { gpusPresent: [] })
    assert.deepEqual(none.warnings, [])
    const cuda = await detectHardware({ ...cpuOnly, gpu: 'cuda' as const, getGpuDeviceNames: async () => ['NVIDIA H100'], getVramState: async () => ({ total: 80e9, used: 1e9, free: 79e9, unifiedSize: 0 }) }, { gpusPresent: ['NVIDIA H100'] })
    assert.equal(cuda.backend, 'cuda')
    assert.equal(cuda.vramTotalBytes, 80e9)
    assert.deepEqual(cuda.warnings, [])
  })
})
