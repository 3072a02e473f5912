import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeFileAtomic } from '../../identity/index.ts'

async function withDir (fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mycel-atomic-'))
  try { await fn(dir) } finally { await rm(dir, { recursive: true, force: true }) }
}

describe('identity/atomic-write', () => {
  it('writes the data with mode 0600 and leaves no temporary file', async () => {
    await withDir(async dir => {
      const path = join(dir, 'key')
      await writeFileAtomic(path, new Uint8Array([1, 2, 3]))
      assert.deepEqual(new Uint8Array(await readFile(path)), new Uint8Array([1, 2, 3]))
      if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600)
      assert.deepEqual(await readdir(dir), ['key'])
    })
  })

  it('replaces a file atomically, or refuses to when overwrite is off', async () => {
    await withDir(async dir => {
      const path = join(dir, 'f')
      await writeFileAtomic(path, new Uint8Array([1]))
      await writeFileAtomic(path, new Uint8Array([2]))
      assert.deepEqual(new Uint8Array(await readFile(path)), new Uint8Array([2]))
      await assert.rejects(writeFileAtomic(path, new Uint8Array([3]), { overwrite: false }), { code: 'EEXIST' })
      assert.deepEqual(new Uint8Array(await readFile(path)), new Uint8Array([2]))
      assert.deepEqual(await readdir(dir), ['f'])
    })
  })

  it('on a failed write keeps the old file intact and removes the temporary file', async () => {
    await withDir(async dir => {
      const path = join(dir, 'target')
      await mkdir(path) // renaming a file over a folder fails after the data was written
      await writeFile(join(path, 'inside'), 'old')
      await assert.rejects(writeFileAtomic(path, new Uint8Array(1000)))
      assert.deepEqual((await readdir(dir)).sort(), ['target'])
      assert.equal(await readFile(join(path, 'inside'), 'utf8'), 'old')
    })
  })

  it('a process killed mid-write never leaves a partial file at the target', async () => {
    await withDir(async dir => {
      const path = join(dir, 'big')
      const size = 8 * 1024 * 1024
      const script = `import { writeFileAtomic } from ${JSON.stringify(new URL('../../identity/atomic-write.ts', import.meta.url).href)}
        for (let i = 0; ; i++) await writeFileAtomic(${JSON.stringify(path)}, new Uint8Array(${size}).fill(i % 256))`
      let interrupted = 0
      for (let attempt = 0; attempt < 10 && interrupted < 3; attempt++) {
        await rm(path, { force: true })
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' })
        const exited = new Promise(resolve => child.once('exit', resolve))
        // wait for a first complete write, then kill during one of the next
        while ((await stat(path).catch(() => null)) == null) await new Promise(resolve => setTimeout(resolve, 2))
        await new Promise(resolve => setTimeout(resolve, 1 + attempt * 3))
        child.kill('SIGKILL')
        await exited
        const data = await readFile(path)
        assert.equal(data.byteLength, size, 'the target is always a complete write')
        assert.ok(data.every(b => b === data[0]), 'the target holds one write, never a mix')
        const leftovers = (await readdir(dir)).filter(f => f.endsWith('.tmp'))
        if (leftovers.length > 0) interrupted++
        for (const f of leftovers) await rm(join(dir, f))
      }
      assert.ok(interrupted > 0, 'at least one kill landed in the middle of a write')
    })
  })
})
