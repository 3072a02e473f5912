/**
 * The node's lifecycle: services start in order and in phases; one that
 * fails to start stops everything already started, in reverse order; a
 * second stop is harmless.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Lifecycle, type Startable } from '../../node/assembly/lifecycle.ts'

const silent = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any

function recorder (): { calls: string[], service: (name: string, opts?: { failStart?: boolean }) => readonly [string, Startable] } {
  const calls: string[] = []
  return {
    calls,
    service: (name, opts = {}) => [name, {
      beforeStart: () => { calls.push(`${name}.beforeStart`) },
      start: async () => {
        calls.push(`${name}.start`)
        if (opts.failStart === true) throw new Error(`${name} cannot start`)
      },
      afterStart: () => { calls.push(`${name}.afterStart`) },
      beforeStop: () => { calls.push(`${name}.beforeStop`) },
      stop: () => { calls.push(`${name}.stop`) }
    }] as const
  }
}

describe('lifecycle', () => {
  it('runs every phase across all services before the next, and stops backwards', async () => {
    const r = recorder()
    const lifecycle = new Lifecycle([r.service('db'), r.service('host'), r.service('api')], silent)
    await lifecycle.start()
    assert.deepEqual(r.calls, ['db.beforeStart', 'host.beforeStart', 'api.beforeStart', 'db.start', 'host.start', 'api.start', 'db.afterStart', 'host.afterStart', 'api.afterStart'])
    r.calls.length = 0
    await lifecycle.stop()
    assert.deepEqual(r.calls, ['api.beforeStop', 'host.beforeStop', 'db.beforeStop', 'api.stop', 'host.stop', 'db.stop'])
  })

  it('stops what already started, in reverse order, when a service fails to start', async () => {
    const r = recorder()
    const lifecycle = new Lifecycle([r.service('db'), r.service('host'), r.service('cards', { failStart: true }), r.service('api')], silent)
    await assert.rejects(lifecycle.start(), /cards cannot start/)
    const stops = r.calls.filter(c => c.endsWith('.stop'))
    assert.deepEqual(stops, ['host.stop', 'db.stop'], 'the started services stop backwards; the failed one and those after it were never started')
    assert.equal(r.calls.includes('api.start'), false)
  })

  it('a second stop is harmless, also while the first is still running', async () => {
    const r = recorder()
    const lifecycle = new Lifecycle([r.service('db'), r.service('host')], silent)
    await lifecycle.start()
    await Promise.all([lifecycle.stop(), lifecycle.stop()])
    await lifecycle.stop()
    assert.deepEqual(r.calls.filter(c => c.endsWith('.stop')), ['host.stop', 'db.stop'])
  })

  it('a service whose stop fails does not keep the others from stopping', async () => {
    const calls: string[] = []
    const lifecycle = new Lifecycle([
      ['db', { start: () => {}, stop: () => { calls.push('db.stop') } }],
      ['host', { start: () => {}, stop: () => { throw new Error('host stop failed') } }],
      ['api', { start: () => {}, stop: () => { calls.push('api.stop') } }]
    ], silent)
    await lifecycle.start()
    await lifecycle.stop()
    assert.deepEqual(calls, ['api.stop', 'db.stop'])
  })
})
