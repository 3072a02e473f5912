/**
 * A git repository through isomorphic-git (no `git` binary needed): the
 * commit a branch points at, the files of its tree, and which paths changed
 * between two commits (a walk over both trees that skips subtrees whose ids
 * agree, so an incremental sync costs what changed, not the repository).
 */
import * as fs from 'node:fs'
import git from 'isomorphic-git'
import { MAX_TREE_FILES } from './constants.ts'
import { InvalidSourceError } from './errors.ts'

export interface GitChanges {
  head: string
  /** Paths added or modified since `since` (every file when there is no `since`). */
  changed: string[]
  /** Paths gone since `since`. */
  deleted: string[]
}

/** The repository folder (`.git` found upward) or an `InvalidSourceError` saying it is not one. */
export async function repoRoot (path: string): Promise<string> {
  try {
    return await git.findRoot({ fs, filepath: path })
  } catch {
    throw new InvalidSourceError(`${path} is not a git repository (no .git found in it or above it)`)
  }
}

/** The commit the branch points at (the current branch when none is named). */
export async function headCommit (dir: string, branch?: string): Promise<string> {
  const ref = branch ?? await git.currentBranch({ fs, dir, fullname: false }) ?? 'HEAD'
  try {
    return await git.resolveRef({ fs, dir, ref })
  } catch {
    throw new InvalidSourceError(`${dir} has no branch ${ref}`)
  }
}

/** What changed between `since` and the branch head; every file when `since` is unknown or no longer in the repository. */
export async function gitChanges (dir: string, branch: string | undefined, since: string | undefined): Promise<GitChanges> {
  const head = await headCommit(dir, branch)
  if (since === head) return { head, changed: [], deleted: [] }
  const known = since != null && await git.readCommit({ fs, dir, oid: since }).then(() => true, () => false)
  const changed: string[] = []
  const deleted: string[] = []
  const trees = known ? [git.TREE({ ref: since }), git.TREE({ ref: head })] : [git.TREE({ ref: head })]
  await git.walk({
    fs,
    dir,
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
      if (changed.length > MAX_TREE_FILES) throw new InvalidSourceError(`${dir} has more than ${MAX_TREE_FILES} files`)
      return true
    }
  })
  return { head, changed, deleted }
}

/** The bytes of a file at a commit. */
export async function readAt (dir: string, commit: string, path: string): Promise<Uint8Array> {
  const { blob } = await git.readBlob({ fs, dir, oid: commit, filepath: path })
  return blob
}
