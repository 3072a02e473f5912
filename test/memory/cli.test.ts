import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { main } from '../../node/cli/main.ts'
import { memoryCommands } from '../../node/cli/commands/memory.ts'
import type { Output } from '../../node/cli/output.ts'
import { tempDir, writeFiles } from './helpers.ts'

function capture (): { out: Output, stdout: () => string, stderr: () => string, progress: Array<[number, number]> } {
  let stdout = ''
  let stderr = ''
  const progress: Array<[number, number]> = []
  return {
    out: {
      line: (s = '') => { stdout += s + '\n' },
      write: (s) => { stdout += s },
      json: (v) => { stdout += JSON.stringify(v) + '\n' },
      error: (s) => { stderr += s + '\n' },
      progress: (_l, d, t) => { progress.push([d, t]) }
    },
    stdout: () => stdout,
    stderr: () => stderr,
    progress
  }
}

async function mycel (home: string, ...argv: string[]): Promise<{ code: number, stdout: string, stderr: string, progress: Array<[number, number]> }> {
  const c = capture()
  const code = await main(['--home', home, ...argv], { out: c.out, env: {}, commands: memoryCommands })
  return { code, stdout: c.stdout(), stderr: c.stderr(), progress: c.progress }
}

test('mycel memory ingest, ls, search, rm', async (t) => {
  const home = await tempDir(t)
  const docs = await tempDir(t)
  await writeFiles(docs, { 'a.md': 'Rotas for the night shift are posted on Fridays.', 'b.txt': 'The canteen closes at three.', 'c.txt': new Uint8Array([0, 1, 2]) })

  const ingest = await mycel(home, 'memory', 'ingest', docs, '--collection', 'ops')
  assert.equal(ingest.code, 0, ingest.stderr)
  assert.match(ingest.stdout, /^ops: 2 added, 0 updated, 0 unchanged, 1 skipped \(2 chunks written\)/)
  assert.match(ingest.stdout, /skipped, binary: .*c\.txt/)
  assert.deepEqual(ingest.progress.at(-1), [3, 3])

  const again = await mycel(home, 'memory', 'ingest', docs, '--collection', 'ops', '--json')
  assert.deepEqual(JSON.parse(again.stdout).unchanged.length, 2)

  const ls = await mycel(home, 'memory', 'ls', '--json')
  assert.deepEqual(JSON.parse(ls.stdout), [{ name: 'ops', documents: 2, chunks: 2, vectors: 0 }])

  const search = await mycel(home, 'memory', 'search', 'night', 'shift', 'rotas', '--k', '1', '--json')
  const hits = JSON.parse(search.stdout)
  assert.equal(hits.length, 1)
  assert.deepEqual(Object.keys(hits[0]).sort(), ['collection', 'score', 'source', 'text'])
  assert.equal(hits[0].source, join(docs, 'a.md'))

  const unknown = await mycel(home, 'memory', 'search', 'x', '--collection', 'nope')
  assert.equal(unknown.code, 1)
  assert.equal(unknown.stderr, 'mycel: No memory collection named "nope"\n')
  assert.equal((await mycel(home, 'memory', 'search', 'x', '--k', 'ten')).code, 2)

  assert.equal((await mycel(home, 'memory', 'rm', '--doc', join(docs, 'a.md'), 'ops')).code, 0)
  assert.deepEqual(JSON.parse((await mycel(home, 'memory', 'ls', '--json')).stdout)[0].documents, 1)
  assert.equal((await mycel(home, 'memory', 'rm', 'ops')).code, 0)
  assert.deepEqual(JSON.parse((await mycel(home, 'memory', 'ls', '--json')).stdout), [])
})
