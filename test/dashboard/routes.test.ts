/**
 * The console's own routes on a real HTTP server over stub modules: every
 * module of the page (and uPlot, from node_modules) is served under the
 * strict CSP without a token, and the read endpoints the console added are
 * behind the token and refuse bad input with a 400: the series, a task's
 * detail, adding a model, and an invite with its QR code.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { ApiServer } from '../../node/api/server.ts'
import { registerDashboardRoutes } from '../../node/dashboard/index.ts'
import { registerSeriesRoutes } from '../../node/http/series.ts'
import { registerModelRoutes } from '../../node/api/model-routes.ts'
import { registerTaskRoutes } from '../../node/api/task-routes.ts'
import { registerControlRoutes } from '../../node/api/control-routes.ts'
import type { ApiModules, StatusSummary } from '../../node/api/modules.ts'
import { createLogger } from '../../node/logger.ts'

const TOKEN = 'd'.repeat(64)
const DASHBOARD_DIR = fileURLToPath(new URL('../../node/dashboard/', import.meta.url))
const TASK = 'ab'.repeat(16)

function modules (): ApiModules {
  const unused = (): never => { throw new Error('not used') }
  const summary = { name: 'tiny', sha256: 'e'.repeat(64), path: '/m/tiny.gguf', architecture: 'llama', quantisation: 'F32', parameterCount: 1, contextLength: 512, sizeBytes: 1, loaded: true, approved: false }
  return {
    node: { status: () => ({ peerId: 'self' }) as StatusSummary, peers: async () => [], caps: () => [] },
    admin: {
      revoke: unused,
      createInvite: async () => ({ invite: 'mycel-invite-' + 'x'.repeat(900), inviteId: 'i1', expiresAt: 0, uses: 1, groups: ['members'] }),
      listInvites: async () => [],
      revokeInvite: unused
    },
    cards: { republish: async () => undefined },
    tasks: {
      run: unused,
      list: () => [{ taskId: TASK, kind: 'echo', role: 'local', peer: 'self', executor: 'self', state: 'failed', createdAt: 1, updatedAt: 2, error: 'malformed', reason: 'maxTokens 9 is above the limit of 8' }],
      cancel: () => false,
      load: () => ({ running: 0, queued: 0, slots: 1 }),
      offers: () => []
    },
    policy: { current: unused, file: unused, reload: unused },
    audit: { tail: async () => [], verify: unused, verifyPeers: unused, subscribe: () => () => {}, settle: async () => {}, byTask: async () => [] },
    memory: { store: () => undefined, classOf: () => 'internal', setClass: unused, refresh: async () => {} },
    identity: { publicKey: new Uint8Array(32), sign: unused },
    tools: { list: () => [], call: unused },
    sessions: { turn: unused, list: async () => [], show: unused, remove: unused, search: unused },
    models: {
      list: async () => [summary],
      add: async (path) => { if (!path.endsWith('.gguf')) throw new Error(`Not a usable GGUF model: ${path}`); return { ...summary, path, loaded: false } },
      catalog: () => ({ seq: 0, models: [] }),
      approve: unused,
      withdraw: unused
    }
  }
}

describe('the console\'s routes', { timeout: 30_000 }, () => {
  const api = new ApiServer({ token: TOKEN, logger: createLogger('test:console') })
  let url = ''
  const call = async (path: string, init: { method?: string, body?: unknown, token?: boolean } = {}): Promise<{ status: number, headers: Headers, text: string }> => {
    const res = await fetch(url + path, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: { ...(init.token !== false ? { authorization: `Bearer ${TOKEN}` } : {}), 'content-type': 'application/json' },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {})
    })
    return { status: res.status, headers: res.headers, text: await res.text() }
  }

  before(async () => {
    const m = modules()
    registerDashboardRoutes(api)
    registerSeriesRoutes(api, m)
    registerModelRoutes(api, m)
    registerTaskRoutes(api, m)
    registerControlRoutes(api, m)
    const { port } = await api.listen('127.0.0.1', 0)
    url = `http://127.0.0.1:${port}`
  })
  after(async () => { await api.close() })

  it('serves every module of the page and uPlot without a token, under the CSP', async () => {
    const files = (await readdir(DASHBOARD_DIR, { recursive: true })).filter(f => f.endsWith('.js')).map(f => f.replaceAll('\\', '/'))
    assert.ok(files.length > 5)
    for (const path of ['/', '/dashboard/style.css', '/dashboard/vendor/uplot.css', '/dashboard/vendor/uplot.js', ...files.map(f => `/dashboard/${f}`)]) {
      const res = await call(path, { token: false })
      assert.equal(res.status, 200, `${path} is served`)
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self';/)
    }
    assert.match((await call('/dashboard/vendor/uplot.js')).text, /export \{ uPlot as default \}/)
    assert.equal((await call('/dashboard/../routes.ts')).status, 404)
  })

  it('answers the series only with the token, and refuses a bad since', async () => {
    assert.equal((await call('/api/series', { token: false })).status, 401)
    assert.equal((await call('/api/series?since=yesterday')).status, 400)
    const ok = JSON.parse((await call('/api/series?since=0')).text)
    assert.deepEqual([ok.self, ok.intervalMs > 0, Array.isArray(ok.samples)], ['self', true, true])
  })

  it('shows a task\'s detail with its reason, and refuses ids that are none', async () => {
    const d = JSON.parse((await call(`/api/tasks/${TASK}`)).text)
    assert.equal(d.records[0].reason, 'maxTokens 9 is above the limit of 8')
    assert.equal((await call('/api/tasks/not-an-id')).status, 400)
    assert.equal((await call(`/api/tasks/${'0'.repeat(32)}`)).status, 404)
  })

  it('lists models, adds one, and says what was wrong with a bad add in one line', async () => {
    assert.equal(JSON.parse((await call('/api/models')).text)[0].loaded, true)
    assert.equal(JSON.parse((await call('/api/models', { body: { path: '/m/second.gguf' } })).text).loaded, false)
    const bad = await call('/api/models', { body: { path: '/m/notes.txt' } })
    assert.equal(bad.status, 400)
    assert.match(JSON.parse(bad.text).error.message, /^Not a usable GGUF model/)
    assert.equal((await call('/api/models', { body: { path: 7 } })).status, 400)
    assert.equal((await call('/api/models', { body: { path: 'x'.repeat(5000) } })).status, 400)
  })

  it('adds a QR code to an invite only when asked', async () => {
    const plain = JSON.parse((await call('/api/invites', { body: {} })).text)
    assert.equal(plain.qrSvg, undefined)
    const withQr = JSON.parse((await call('/api/invites?qr=svg', { body: {} })).text)
    assert.match(withQr.qrSvg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*viewBox="0 0 \d+ \d+"/)
    assert.equal(withQr.invite, plain.invite)
  })
})
