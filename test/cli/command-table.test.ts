/**
 * The command table loads only the chosen command (issue 16): each entry's
 * words and summary are its module's own, `mycel --help` still lists every
 * command and `mycel CMD --help` its options; in separate processes,
 * `mycel --version` loads no command beyond `version` and none of the node,
 * and the modules `mycel start` loads leave the optional SDKs (OpenAI, MCP,
 * A2A, QR codes, mail, git, PDF, Ajv, prom-client) for their first use.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { commands } from '../../node/cli/commands/index.ts'
import { main } from '../../node/cli/main.ts'
import type { Output } from '../../node/cli/output.ts'

const run = promisify(execFile)

const OPTIONAL_PACKAGES = ['openai', 'prom-client', '@modelcontextprotocol/sdk', 'zod', '@a2a-js/sdk', 'qrcode', 'mailparser', 'isomorphic-git', 'unpdf', 'ajv']

// registerHooks sees every resolution, type stripping included; a type-only import never resolves
const child = (body: string): string => `
import { registerHooks } from 'node:module'
const loaded = new Set()
registerHooks({ load (url, ctx, next) { loaded.add(url); return next(url, ctx) } })
${body}
const names = [...loaded].map(u => u.match(/node_modules\\/((@[^/]+\\/)?[^/]+)/)?.[1] ?? u.split('/node/').slice(1).join('/node/'))
console.log(JSON.stringify([...new Set(names.filter(n => n !== ''))]))
`

async function loadedBy (body: string, args: string[] = []): Promise<string[]> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', child(body), '--', ...args], { cwd: process.cwd(), timeout: 120_000 })
  return JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as string[]
}

async function mycel (args: string[]): Promise<{ code: number, stdout: string }> {
  let stdout = ''
  const out: Output = { line: (t = '') => { stdout += t + '\n' }, write: (t) => { stdout += t }, json: (v) => { stdout += JSON.stringify(v) + '\n' }, error: () => {}, progress: () => {} }
  return { code: await main(args, { out, env: {} }), stdout }
}

describe('cli: the lazy command table', { timeout: 240_000 }, () => {
  it('every entry loads the command with its own words and summary', async () => {
    const seen = new Set<string>()
    for (const entry of commands) {
      const words = entry.path.join(' ')
      assert.ok(!seen.has(words), `${words} is listed once`)
      seen.add(words)
      const command = await entry.load()
      assert.deepEqual(command.path, entry.path)
      assert.equal(command.summary, entry.summary, `summary of ${words}`)
    }
  })

  it('`mycel --help` lists every command with its summary; `mycel invite create --help` shows its options', async () => {
    const help = await mycel(['--help'])
    assert.equal(help.code, 0)
    for (const entry of commands) assert.match(help.stdout, new RegExp(`^  ${entry.path.join(' ')} +${entry.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'))
    const one = await mycel(['invite', 'create', '--help'])
    assert.equal(one.code, 0)
    assert.match(one.stdout, /^Usage: mycel invite create/)
    assert.match(one.stdout, /--uses VALUE/)
  })

  it('`mycel --version` loads the version command and no other command, nor the node', async () => {
    const loaded = await loadedBy(`
const { main } = await import('./node/cli/main.ts')
let text = ''
await main(['--version'], { out: { line: (t) => { text += t }, write () {}, json () {}, error () {}, progress () {} } })
if (!text.startsWith('mycel ')) throw new Error('no version line: ' + text)
`)
    const commandModules = loaded.filter(n => n.startsWith('cli/commands/') && n !== 'cli/commands/index.ts')
    assert.deepEqual(commandModules, ['cli/commands/version.ts'])
    assert.ok(!loaded.some(n => n === 'libp2p' || n.startsWith('@libp2p/') || n === 'level' || n.startsWith('assembly/')), `node modules loaded: ${loaded.join(', ')}`)
  })

  it('the modules `mycel start` loads leave the optional SDKs for their first use', async () => {
    const loaded = await loadedBy(`await import('./node/cli/commands/start.ts')`)
    assert.ok(loaded.includes('libp2p'), 'start loads the node itself')
    assert.deepEqual(OPTIONAL_PACKAGES.filter(p => loaded.includes(p)), [])
  })
})
