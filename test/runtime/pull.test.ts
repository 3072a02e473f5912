/**
 * `models pull` against servers that misbehave on loopback: one that accepts
 * connections and never answers, one that stalls in the middle of the body.
 * Both end in ModelDownloadStalledError with nothing registered; a partial
 * download stays in its staging folder, and one cut off part way resumes
 * with a Range request on the next pull. One that redirects forever is
 * refused. And one that serves a file other than the one `--sha256` names:
 * refused, deleted, nothing registered.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdir, readFile, rm } from 'node:fs/promises'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { getCACertificates, setDefaultCACertificates } from 'node:tls'
import { promisify } from 'node:util'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { sha256File } from '../../node/runtime/index.ts'
import { testHome, type TestHome } from './helpers.ts'

const TIMEOUTS = { connectTimeoutMs: 400, idleTimeoutMs: 400 }

/** A throwaway self-signed certificate for 127.0.0.1, trusted by this process only while the suite runs. */
async function loopbackCertificate (dir: string): Promise<{ key: string, cert: string }> {
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { timeout: 20_000 })
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') }
}

async function listen (server: Server | HttpsServer): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const addr = server.address()
  if (addr == null || typeof addr === 'string') throw new Error('no port')
  return addr.port
}

describe('models pull against loopback servers', { timeout: 60_000 }, () => {
  let home: TestHome
  const sockets = new Set<Socket>()
  const servers: Array<Server | HttpsServer> = []
  const defaultCAs = getCACertificates('default')

  let tls: { key: string, cert: string }

  before(async () => {
    home = await testHome()
    tls = await loopbackCertificate(home.dir)
    setDefaultCACertificates([...defaultCAs, tls.cert])
  }, { timeout: 30_000 })

  after(async () => {
    setDefaultCACertificates(defaultCAs)
    for (const s of sockets) s.destroy()
    await Promise.all(servers.map(async s => { await new Promise(resolve => s.close(resolve)) }))
    await home?.cleanup()
  }, { timeout: 30_000 })

  /** An https server on loopback that answers every request with `body`, whole. */
  async function serveInFull (body: Buffer): Promise<number> {
    const serving = createHttpsServer(tls, (req, res) => {
      sockets.add(req.socket)
      res.writeHead(200, { 'content-length': String(body.length) })
      res.end(req.method === 'HEAD' ? undefined : body)
    })
    servers.push(serving)
    return await listen(serving)
  }

  async function leavesNothing (): Promise<void> {
    assert.deepEqual(await home.registry.list(), [])
    assert.deepEqual(await readdir(home.modelsDir), [], 'no partial file or staging folder is left')
  }

  it('a server that accepts and never answers ends in a connect timeout', async () => {
    const silent = createTcpServer(socket => { sockets.add(socket) }) // never writes a byte, never closes
    servers.push(silent)
    const port = await listen(silent)
    await assert.rejects(home.registry.pull(`https://127.0.0.1:${port}/tiny.gguf`, TIMEOUTS), (err: Error & { phase?: string }) => {
      assert.equal(err.name, 'ModelDownloadStalledError')
      assert.equal(err.phase, 'connect')
      assert.equal(err.message.split('\n').length, 1)
      return true
    })
    await leavesNothing()
  })

  it('a server that stalls mid-body ends in an idle timeout', async () => {
    const { key, cert } = tls
    const total = 4 * 1024 * 1024
    const stalling = createHttpsServer({ key, cert }, (req, res) => {
      sockets.add(req.socket)
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total), 'accept-ranges': 'none' })
      if (req.method === 'HEAD') { res.end(); return }
      res.write(Buffer.alloc(256 * 1024, 0x47)) // then nothing, and the response never ends
    })
    servers.push(stalling)
    const port = await listen(stalling)
    let downloaded = 0
    await assert.rejects(home.registry.pull(`https://127.0.0.1:${port}/tiny.gguf`, {
      ...TIMEOUTS,
      onProgress: (phase, done) => { if (phase === 'download') downloaded = Math.max(downloaded, done) }
    }), (err: Error & { phase?: string }) => {
      assert.equal(err.name, 'ModelDownloadStalledError')
      assert.equal(err.phase, 'idle')
      return true
    })
    assert.ok(downloaded > 0, 'the download had started')
    // nothing registered; the partial file stays in its one staging folder for a resume
    assert.deepEqual(await home.registry.list(), [])
    const left = await readdir(home.modelsDir)
    assert.equal(left.length, 1)
    assert.match(left[0] as string, /^\.pull-[0-9a-f]{16}$/)
    await rm(join(home.modelsDir, left[0] as string), { recursive: true })
  })

  it('a URL that redirects forever is refused in one line, with nothing left', async () => {
    const looping = createHttpsServer(tls, (req, res) => {
      sockets.add(req.socket)
      res.writeHead(302, { location: `/again${Math.random()}` })
      res.end()
    })
    servers.push(looping)
    const port = await listen(looping)
    await assert.rejects(home.registry.pull(`https://127.0.0.1:${port}/loop.gguf`, { ...TIMEOUTS, connectTimeoutMs: 20_000 }), (err: Error) => {
      assert.equal(err.name, 'InvalidModelUriError')
      assert.match(err.message, /redirect/)
      assert.equal(err.message.split('\n').length, 1)
      return true
    })
    await leavesNothing()
  })

  it('a download cut off part way resumes from where it stopped on the next pull, and ends as the whole file', async () => {
    const source = join(home.dir, 'resumed.gguf')
    await makeTestModel({ out: source, seed: 7 })
    const body = await readFile(source)
    const cut = Math.floor(body.length / 3)
    const ranges: string[] = []
    let first = true
    const flaky = createHttpsServer(tls, (req, res) => {
      sockets.add(req.socket)
      const range = req.headers.range
      if (range != null) {
        ranges.push(range)
        const from = Number(/^bytes=(\d+)-$/.exec(range)?.[1])
        res.writeHead(206, { 'content-length': String(body.length - from), 'content-range': `bytes ${from}-${body.length - 1}/${body.length}`, etag: '"v1"' })
        res.end(body.subarray(from))
        return
      }
      res.writeHead(200, { 'content-length': String(body.length), etag: '"v1"', 'accept-ranges': 'bytes' })
      if (first) { first = false; res.write(body.subarray(0, cut), () => { req.socket.destroy() }); return }
      res.end(body)
    })
    servers.push(flaky)
    const port = await listen(flaky)
    const url = `https://127.0.0.1:${port}/files/resumed.gguf`
    await assert.rejects(home.registry.pull(url, { ...TIMEOUTS, name: 'resumed' }), (err: Error) => err.name === 'InvalidModelUriError' || err.name === 'TypeError' || err.name === 'ModelDownloadStalledError')
    assert.deepEqual(await home.registry.list(), [])
    let resumedFrom = -1
    const m = await home.registry.pull(url, { ...TIMEOUTS, name: 'resumed', onResume: (from) => { resumedFrom = from } })
    assert.equal(ranges.length, 1, 'the second pull asked only for the rest')
    assert.equal(resumedFrom, cut)
    assert.equal(ranges[0], `bytes=${cut}-`)
    assert.equal(m.sha256, await sha256File(source))
    assert.ok(!(await readdir(home.modelsDir)).some(f => f.startsWith('.pull-')), 'the staging folder is gone once the file is whole')
    await home.registry.remove('resumed')
    await rm(m.path)
  })

  it('a server that answers in full gives a registered model, moved out of its staging folder', async () => {
    const source = join(home.dir, 'served.gguf')
    await makeTestModel({ out: source, seed: 5 })
    const port = await serveInFull(await readFile(source))
    const m = await home.registry.pull(`https://127.0.0.1:${port}/files/served.gguf`, { ...TIMEOUTS, name: 'served' })
    assert.equal(m.name, 'served')
    assert.equal(m.sha256, await sha256File(source))
    assert.deepEqual((await readdir(home.modelsDir)).sort(), ['registry.json', 'served.gguf'])
  })

  it('a download whose digest is not the expected one is deleted and nothing is registered', async () => {
    const source = join(home.dir, 'other.gguf')
    await makeTestModel({ out: source, seed: 6 })
    const port = await serveInFull(await readFile(source))
    const before = (await home.registry.list()).map(m => m.name)
    const wanted = 'ab'.repeat(32)
    await assert.rejects(home.registry.pull(`https://127.0.0.1:${port}/files/other.gguf`, { ...TIMEOUTS, name: 'other', sha256: wanted }), (err: Error & { expected?: string, actual?: string }) => {
      assert.equal(err.name, 'ModelDigestMismatchError')
      assert.equal(err.expected, wanted)
      assert.match(err.message, /nothing was registered/)
      return true
    })
    assert.deepEqual((await home.registry.list()).map(m => m.name), before)
    assert.ok(!(await readdir(home.modelsDir)).includes('other.gguf'), 'the download was deleted')
    // the right digest registers it; a malformed one is refused before any download
    const actual = await sha256File(source)
    assert.equal((await home.registry.pull(`https://127.0.0.1:${port}/files/other.gguf`, { ...TIMEOUTS, name: 'other', sha256: actual })).sha256, actual)
    await assert.rejects(home.registry.pull(`https://127.0.0.1:${port}/files/x.gguf`, { ...TIMEOUTS, sha256: 'xyz' }), /64 lower-case hex digits/)
  })
})
