/**
 * `mycel tools add|ls|rm` as a user meets them, in-process through the CLI's
 * `main`: tools.json in a real home, exit codes and the exact stderr line.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { harness, type Harness } from '../helpers/harness.ts'
import { connectorInit, readToolServers } from '../../node/tools/index.ts'

describe('cli: tools add, ls, rm', () => {
  const h: Harness = harness({ after })
  let home: string
  const file = (): string => join(home, 'tools.json')
  const mycel = async (...args: string[]) => await h.cliInProcess(home, args)

  before(async () => { home = await h.init('tools', { inProcess: true }) })

  it('registers a stdio server with its arguments and a URL server, and lists them without env', async () => {
    const fs = await mycel('tools', 'add', 'fs', '--class', 'confidential', '--', 'npx', '-y', '@modelcontextprotocol/server-filesystem', '/srv/docs', '--verbose')
    assert.equal(fs.code, 0, fs.stderr)
    assert.match(fs.stdout, /Registered fs \(npx -y @modelcontextprotocol\/server-filesystem \/srv\/docs --verbose, class confidential\)/)
    assert.equal((await mycel('tools', 'add', 'tickets', '--url', 'http://127.0.0.1:8123/mcp')).code, 0)

    // the file is what the node will read at start, and private (env may hold a token)
    assert.equal((await stat(file())).mode & 0o777, 0o600)
    assert.deepEqual((await readToolServers(file())).map(connectorInit), [
      { name: 'fs', dataClass: 'confidential', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/docs', '--verbose'] },
      { name: 'tickets', dataClass: 'internal', url: 'http://127.0.0.1:8123/mcp' }
    ])

    const ls = await mycel('tools', 'ls', '--json')
    assert.equal(ls.code, 0)
    assert.deepEqual(JSON.parse(ls.stdout), [
      { name: 'fs', transport: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/docs', '--verbose'], class: 'confidential' },
      { name: 'tickets', transport: 'http', url: 'http://127.0.0.1:8123/mcp', class: 'internal' }
    ])
    const text = await mycel('tools', 'ls')
    assert.match(text.stdout, /^NAME\s+SERVER\s+CLASS\n/)
    assert.match(text.stdout, /fs\s+npx -y @modelcontextprotocol\/server-filesystem \/srv\/docs --verbose\s+confidential/)
    assert.match(text.stdout, /tickets\s+http:\/\/127\.0\.0\.1:8123\/mcp\s+internal/)

    // env is kept in the file but never printed
    const withEnv = JSON.parse(await readFile(file(), 'utf8')) as Array<Record<string, unknown>>
    withEnv[1] = { ...withEnv[1], env: { TICKETS_TOKEN: 's3cret-token' } }
    await writeFile(file(), JSON.stringify(withEnv), { mode: 0o600 })
    const again = await mycel('tools', 'ls', '--json')
    assert.doesNotMatch(again.stdout + (await mycel('tools', 'ls')).stdout, /s3cret|TICKETS_TOKEN/)
  })

  it('refuses bad input with one line, exit 2, and leaves tools.json as it was', async () => {
    const before = await readFile(file(), 'utf8')
    const bad: Array<[string[], RegExp]> = [
      [['tools', 'add', 'git', '--class', 'secret', '--', 'mcp-git'], /--class must be one of public, internal, confidential, local-only \(got "secret"\)/],
      [['tools', 'add', 'fs', '--', 'other-server'], /A tool server named "fs" is already registered \(mycel tools rm fs first\)/],
      [['tools', 'add', 'git'], /Give the server's command after --, e\.g\. mycel tools add git -- /],
      [['tools', 'add', 'git', '--'], /Give the server's command after --/],
      [['tools', 'add', 'git', 'mcp-git', '/repo'], /Put the server's command after --: mycel tools add git -- mcp-git \/repo/],
      [['tools', 'add', 'git', '--url', 'not a url'], /--url is not a URL/],
      [['tools', 'add', 'git', '--url', 'file:///etc/passwd'], /--url must be http or https/],
      [['tools', 'add', 'git', '--url', 'https://mcp.example.com/git'], /--url must be on this machine/],
      [['tools', 'add', 'git', '--url', 'http://127.0.0.1:1/mcp', '--', 'mcp-git'], /either --url URL or a command after --, not both/],
      [['tools', 'add', 'code', '--', 'x'], /"code" is the built-in code\.run; pick another NAME/],
      [['tools', 'add', 'Git', '--', 'x'], /NAME must be lower case letters/],
      [['tools', 'add', 'git', '--', 'x'.repeat(5000)], /Cannot register "git": command must be a string of 1 to 4096 characters/],
      [['tools', 'add', 'git', '--', 'mcp-git', ...Array.from({ length: 65 }, () => 'a')], /Cannot register "git": "args" must be an array of at most 64 strings/]
    ]
    for (const [args, message] of bad) {
      const res = await mycel(...args)
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`)
      assert.match(res.stderr, message)
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr)
      assert.match(res.stderr, /^mycel: /)
    }
    assert.equal(await readFile(file(), 'utf8'), before)
  })

  it('removes a server, and says so when there is none of that name', async () => {
    const rm = await mycel('tools', 'rm', 'tickets')
    assert.equal(rm.code, 0, rm.stderr)
    assert.deepEqual((await readToolServers(file())).map(e => e.name), ['fs'])
    const again = await mycel('tools', 'rm', 'tickets')
    assert.equal(again.code, 1)
    assert.equal(again.stderr, 'mycel: No tool server named "tickets" is registered (see `mycel tools ls`)\n')
  })

  it('names the file and the entry when tools.json is broken', async () => {
    const before = await readFile(file(), 'utf8')
    await writeFile(file(), JSON.stringify([{ name: 'fs', command: 'x', class: 'top-secret' }]))
    const ls = await mycel('tools', 'ls')
    assert.equal(ls.code, 1)
    assert.equal(ls.stderr, `mycel: ${file()}: [0] "class" must be one of public, internal, confidential, local-only\n`)
    await writeFile(file(), '[{')
    assert.equal((await mycel('tools', 'ls')).stderr, `mycel: ${file()}: is not valid JSON\n`)
    await writeFile(file(), before)
  })

  it('needs an initialized home, and says in --help what ls lists with and without a node', async () => {
    const empty = await h.newHome('none')
    const res = await h.cliInProcess(empty, ['tools', 'add', 'fs', '--', 'x'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /run `mycel init` first/)
    const help = await mycel('tools', 'ls', '--help')
    assert.match(help.stdout, /tools of the mesh .* or the registered servers when no node runs/)
  })
})
