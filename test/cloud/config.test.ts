/**
 * The cloud settings and what goes out, as one component: URLs with
 * credentials or queries are refused, cloud.json is bounded and checked,
 * only plain text chat and completion leave, and a stored key is sealed
 * with the passphrase.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cloudPaths, loadCloudConfig, loadCloudKey, normaliseCloudUrl, removeCloudConfig, saveCloudConfig, storeCloudKey } from '../../node/cloud/index.ts'
import { cloudRequest } from '../../node/cloud/request.ts'

describe('cloud settings', { timeout: 30_000 }, () => {
  const dirs: string[] = []
  after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }) })
  const home = async (): Promise<string> => { const d = await mkdtemp(join(tmpdir(), 'mycel-cloud-unit-')); dirs.push(d); return d }

  it('keeps URLs plain: no credentials, query or trailing slash', () => {
    assert.equal(normaliseCloudUrl('https://api.example.com/v1/'), 'https://api.example.com/v1')
    assert.throws(() => normaliseCloudUrl('https://user:sk-123@api.example.com/v1'), { name: 'CloudConfigError', message: /may not carry credentials/ })
    assert.throws(() => normaliseCloudUrl('https://api.example.com/v1?key=sk-123'), { name: 'CloudConfigError' })
    assert.throws(() => normaliseCloudUrl('ftp://api.example.com'), { name: 'CloudConfigError', message: /http\(s\)/ })
  })

  it('refuses a cloud.json that is not JSON, has unknown fields or maps no model', async () => {
    const paths = cloudPaths(await home())
    assert.equal(await loadCloudConfig(paths), null)
    await writeFile(paths.config, '{ nope')
    await assert.rejects(loadCloudConfig(paths), { name: 'CloudConfigError', message: /is not JSON/ })
    await writeFile(paths.config, JSON.stringify({ v: 1, url: 'https://a.example/v1', models: { a: 'b' }, key: 'file', extra: 1 }))
    await assert.rejects(loadCloudConfig(paths), { name: 'CloudConfigError', message: /extra: expected no such field/ })
    await assert.rejects(saveCloudConfig(paths, { v: 1, url: 'https://a.example/v1', models: {}, key: 'file' }), { name: 'CloudConfigError', message: /no models are mapped/ })
  })

  it('seals the key with the passphrase and removes it with the settings', async () => {
    const paths = cloudPaths(await home())
    const config = { v: 1 as const, url: 'https://a.example/v1', models: { small: 'big' }, key: 'file' as const }
    await saveCloudConfig(paths, config)
    await storeCloudKey(paths, 'sk-secret-value', 'pass phrase')
    assert.ok(!(await readFile(paths.key)).includes('sk-secret-value'))
    assert.equal(await loadCloudKey(paths, config, { passphrase: 'pass phrase', env: {} }), 'sk-secret-value')
    await assert.rejects(loadCloudKey(paths, config, { passphrase: 'wrong', env: {} }), { name: 'CloudConfigError' })
    await assert.rejects(loadCloudKey(paths, { ...config, key: 'env', keyEnv: 'CLOUD_KEY' }, { env: {} }), { name: 'CloudConfigError', message: /CLOUD_KEY is not set/ })
    assert.equal(await removeCloudConfig(paths), true)
    assert.equal(await loadCloudConfig(paths), null)
  })

  it('sends plain text only: tools and tool messages stay in the org', () => {
    const out = cloudRequest('llm.chat', 'big', { model: 'small', messages: [{ role: 'user', content: 'hi' }], maxTokens: 8, temperature: 0 })
    assert.deepEqual(out.body, { model: 'big', stream: true, max_tokens: 8, temperature: 0, messages: [{ role: 'user', content: 'hi' }] })
    assert.throws(() => cloudRequest('llm.chat', 'big', { messages: [{ role: 'user', content: 'hi' }], tools: [{}] }), { message: /"tools" stays in the org/ })
    assert.throws(() => cloudRequest('llm.chat', 'big', { messages: [{ role: 'tool', toolCallId: 'x', content: 'r' }] }), { message: /system, user and assistant messages only/ })
    assert.deepEqual(cloudRequest('llm.complete', 'big', { prompt: 'Once' }).body, { model: 'big', stream: true, prompt: 'Once' })
  })
})
