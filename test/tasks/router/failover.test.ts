/** What a failed attempt means for the task: retry later, fail over (demoting liars), or end, by the error's code. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { judge } from '../../../node/tasks/router/failover.ts'
import { BUSY_RETRY_AFTER_MS } from '../../../node/tasks/constants.ts'
import { TaskClientError } from '../../../node/tasks/wire/errors.ts'
import { callerError } from '../../../node/tasks/router/outcome.ts'
import type { WireErrorCode } from '../../../protocol/codes.ts'

const remote = (remoteCode: WireErrorCode): TaskClientError => new TaskClientError('remote', 'failed', { remoteCode })

describe('failover verdicts', { timeout: 10_000 }, () => {
  it('a busy member is waited for with the pause it suggested, else the default', () => {
    assert.deepEqual(judge(new TaskClientError('busy', 'busy', { retryAfterMs: 750 }), false, false), { type: 'busy', retryAfterMs: 750 })
    assert.deepEqual(judge(new TaskClientError('busy'), true, true), { type: 'busy', retryAfterMs: BUSY_RETRY_AFTER_MS })
  })

  it('a broken transport or a malformed answer fails over and counts against the member', () => {
    for (const code of ['dial', 'closed', 'stalled'] as const) assert.deepEqual(judge(new TaskClientError(code), false, false), { type: 'next', demote: 'transport', failover: true })
    assert.deepEqual(judge(new TaskClientError('malformed'), false, false), { type: 'next', demote: 'malformed', failover: true })
  })

  it('a claim that failed demotes a member chosen by its card, and ends a task that had no other', () => {
    assert.deepEqual(judge(remote('not-found'), false, false), { type: 'next', demote: 'claim', failover: true })
    assert.deepEqual(judge(remote('malformed'), false, true), { type: 'end', state: 'failed' })
    assert.deepEqual(judge(remote('prompt-too-long'), false, false), { type: 'next', failover: true }, 'a smaller limit is no lie')
    assert.deepEqual(judge(remote('max-tokens-exceeded'), true, true), { type: 'end', state: 'failed' })
  })

  it('a denial ends a pinned task as rejected and passes an unpinned one on quietly; a cancel ends either', () => {
    assert.deepEqual(judge(remote('denied'), true, true), { type: 'end', state: 'rejected' })
    assert.deepEqual(judge(remote('denied'), false, false), { type: 'next', failover: false })
    assert.deepEqual(judge(new TaskClientError('canceled'), false, false), { type: 'end', state: 'canceled' })
    assert.deepEqual(judge(remote('canceled'), false, false), { type: 'end', state: 'canceled' })
    assert.deepEqual(judge(remote('timeout'), false, false), { type: 'next', failover: true })
  })

  it('a refusal by context tries another member without waiting, ends a pinned task, and reaches the caller as prompt-too-long', () => {
    const refused = new TaskClientError('busy', 'no room', { retryAfterMs: 500, limit: 512 })
    assert.equal(refused.contextRefusal, true)
    assert.equal(new TaskClientError('busy', 'queue full', { retryAfterMs: 500 }).contextRefusal, false)
    assert.deepEqual(judge(refused, false, false), { type: 'next', failover: false })
    assert.deepEqual(judge(refused, true, true), { type: 'end', state: 'failed' })
    const seen = callerError(refused) as Error & { code?: string }
    assert.equal(seen.code, 'prompt-too-long')
    assert.match(seen.message, /512 tokens/)
  })
})
