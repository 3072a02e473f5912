/**
 * A git repository through isomorphic-git: the commit a branch points at,
 * the files of its tree, and which paths changed between two commits (a
 * walk over both trees that skips subtrees whose ids agree, so an
 * incremental sync costs what changed, not the repository). A remote one
 * (a URL) is kept as a mirror clone in the node's data folder, made and
 * fetched with the `git` binary, which speaks every transport (https, ssh,
 * file); isomorphic-git then reads the mirror like a local repository.
 */
import * as fs from 'node:fs'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { lazyModule } from '../lazy.ts'
import { GIT_FETCH_TIMEOUT_MS, MAX_TREE_FILES } from './constants.ts'
import { InvalidSourceError } from './errors.ts'

/** isomorphic-git loads when a git source is first read. */
const loadGit = lazyModule('isomorphic-git', async () => (await import('isomorphic-git')).default)

/** A working repository (`dir`, with `.git` inside) or a bare one such as a mirror (`gitdir`). */
export type GitRepo = { dir: string } | { gitdir: string }

/** Whether a git source's target is a remote URL rather than a path. */
export function isRemote (target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(target) || /^[\w.-]+@[\w.-]+:/.test(target)
}

/** Whether a URL carries a user name or password (`https://user:pw@host/…`). */
export function hasCredentials (url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(url)
}

/**
 * Brings the mirror of `url` in `gitdir` up to date: cloned the first time,
 * fetched after (refs the remote dropped are pruned). Credentials in the URL
 * are refused: they would sit in the mirror's config in clear.
 */
export async function updateMirror (url: string, gitdir: string, signal?: AbortSignal): Promise<GitRepo> {
  if (hasCredentials(url)) throw new InvalidSourceError('credentials in the URL are not accepted; use a credential helper or an ssh key')
  const run = async (args: string[]): Promise<void> => {
    try {
      await promisify(execFile)('git', args, { timeout: GIT_FETCH_TIMEOUT_MS, maxBuffer: 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, ...(signal != null ? { signal } : {}) })
    } catch (err) {
      const e = err as { code?: unknown, stderr?: string, message?: string }
      if (e.code === 'ENOENT') throw new InvalidSourceError('remote git sources need the git binary on this machine')
      const lines = (e.stderr ?? e.message ?? '').trim().split('\n').filter(l => l !== '')
      // git's first `fatal:` line says what went wrong; the lines after it are advice
      const why = (lines.find(l => l.startsWith('fatal: ')) ?? lines.at(-1) ?? 'git failed').replace(/^fatal: /, '')
      throw new InvalidSourceError(`${url}: ${why.slice(0, 300)}`)
    }
  }
  if (fs.existsSync(gitdir)) await run(['--git-dir', gitdir, 'fetch', '--quiet', '--prune', 'origin'])
  else await run(['clone', '--quiet', '--mirror', '--', url, gitdir])
  return { gitdir }
}

export interface GitChanges {
  head: string
  /** Paths added or modified since `since` (every file when there is no `since`). */
  changed: string[]
  /** Paths gone since `since`. */
  deleted: string[]
}

/** The repository folder (`.git` found upward) or an `InvalidSourceError` saying it is not one. */
export async function repoRoot (path: string): Promise<string> {
  const git = await loadGit()
  try {
    return await git.findRoot({ fs, filepath: path })
  } catch {
    throw new InvalidSourceError(`${path} is not a git repository (no .git found in it or above it)`)
  }
}

/** The commit the branch points at (the current branch when none is named). */
export async function headCommit (repo: GitRepo, branch?: string): Promise<string> {
  const git = await loadGit()
  const ref = branch ?? await git.currentBranch({ fs, ...repo, fullname: false }) ?? 'HEAD'
  try {
    return await git.resolveRef({ fs, ...repo, ref })
  } catch {
    throw new InvalidSourceError(`${'dir' in repo ? repo.dir : 'the repository'} has no branch ${ref}`)
  }
}

/** What changed between `since` and the branch head; every file when `since` is unknown or no longer in the repository. */
export async function gitChanges (repo: GitRepo, branch: string | undefined, since: string | undefined): Promise<GitChanges> {
  const git = await loadGit()
  const head = await headCommit(repo, branch)
  const name = 'dir' in repo ? repo.dir : 'the repository'
  if (since === head) return { head, changed: [], deleted: [] }
  const known = since != null && await git.readCommit({ fs, ...repo, oid: since }).then(() => true, () => false)
  const changed: string[] = []
  const deleted: string[] = []
  const trees = known ? [git.TREE({ ref: since }), git.TREE({ ref: head })] : [git.TREE({ ref: head })]
  await git.walk({
    fs,
    ...repo,
    trees,
    map: async (path, entries) => {
      if (path === '.') return true
      const [a, b] = known ? entries : [null, entries[0]]
      const [ta, tb] = await Promise.all([a?.type(), b?.type()])
      // a subtree with the same id on both sides holds no change: do not descend
      if (ta === 'tree' && tb === 'tree' && await a?.oid() === await b?.oid()) return null
      if (tb === 'blob') {
        if (ta !== 'blob' || await a?.oid() !== await b?.oid()) changed.push(path)
      } else if (ta === 'blob') deleted.push(path)
      if (changed.length > MAX_TREE_FILES) throw new InvalidSourceError(`${name} has more than ${MAX_TREE_FILES} files`)
      return true
    }
  })
  return { head, changed, deleted }
}

/** The bytes of a file at a commit. */
export async function readAt (repo: GitRepo, commit: string, path: string): Promise<Uint8Array> {
  const git = await loadGit()
  const { blob } = await git.readBlob({ fs, ...repo, oid: commit, filepath: path })
  return blob
}
