import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { main } from '../../node/cli/main.ts'
import { ask, parseAsk, runAsk } from '../../node/cli/commands/ask.ts'
import { memoryCommands } from '../../node/cli/commands/memory.ts'
import { ModelRegistry } from '../../node/runtime/index.ts'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import { tempDir, writeFiles, openStore } from './helpers.ts'

function capture (): { out: import('../../node/cli/output.ts').Output, text: () => string, json: unknown[] } {
  let text = ''
  const json: unknown[] = []
  return {
    out: { line: (s = '') => { text += s + '\n' }, write: (s) => { text += s }, json: (v) => { json.push(JSON.parse(JSON.stringify(v))) }, error: (s) => { text += s + '\n' }, progress: () => {} },
    text: () => text,
    json
  }
}

test('runAsk prints the answer and numbered sources, or says nothing matched', async (t) => {
  const docs = await tempDir(t)
  await writeFiles(docs, { 'leave.md': 'Parental leave is sixteen weeks at full pay.', 'canteen.md': 'The canteen opens at eight.' })
  const { store } = await openStore(t)
  await store.ingest([docs], { collection: 'hr' })
  const c = capture()
  const a = parseAsk({ values: { collection: 'hr' }, positionals: ['How', 'long', 'is', 'parental', 'leave?'] })
  await runAsk(store, a, async () => { c.out.write('Sixteen weeks [1].'); return 'Sixteen weeks [1].' }, { out: c.out, json: false, signal: new AbortController().signal }, true)
  assert.equal(c.text(), `Sixteen weeks [1].\n\nSources:\n  [1] ${join(docs, 'leave.md')} (hr)\n`)
  const j = capture()
  await runAsk(store, { ...a, question: 'xylophone' }, async () => assert.fail('no model call without sources'), { out: j.out, json: true, signal: new AbortController().signal })
  assert.deepEqual(j.json, [{ answer: 'Nothing in memory matches the question.', sources: [] }])
})

test('mycel ask answers with the local model from ingested documents', { timeout: 120_000 }, async (t) => {
  const home = await tempDir(t)
  const docs = await tempDir(t)
  await writeFiles(docs, { 'a.md': 'The backup server lives in rack 12 of the north hall.' })
  const modelPath = join(home, 'tiny.gguf')
  await makeTestModel({ out: modelPath, size: 'tiny', seed: 1 })
  await new ModelRegistry({ dir: join(home, 'models') }).add(modelPath, { name: 'tiny' })
  const commands = [...memoryCommands, ask]
  const run = async (...argv: string[]): Promise<{ code: number, c: ReturnType<typeof capture> }> => {
    const c = capture()
    const code = await main(['--home', home, ...argv], { out: c.out, env: {}, commands })
    return { code, c }
  }
  assert.equal((await run('memory', 'ingest', docs, '--collection', 'infra')).code, 0)
  const r = await run('ask', 'where is the backup server?', '--max-tokens', '8', '--json')
  assert.equal(r.code, 0, r.c.text())
  const answer = r.c.json[0] as { answer: string, sources: Array<{ n: number, source: string, collection: string }> }
  assert.equal(typeof answer.answer, 'string')
  assert.deepEqual(answer.sources.map(s => [s.n, s.source, s.collection]), [[1, join(docs, 'a.md'), 'infra']])
  const human = await run('ask', 'backup server rack', '--max-tokens', '8')
  assert.equal(human.code, 0)
  assert.match(human.c.text(), new RegExp(`\\nSources:\\n  \\[1\\] ${join(docs, 'a.md').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(infra\\)\\n$`))
})
