/**
 * Scopes: what a chain's holder may still do, and the one relation chains
 * need, "covered by". Entries are the policy's own patterns: a kind (`echo`,
 * `llm.*`, `*`) or a name (`fs.read`, `fs.*`, `*`). A child scope is within
 * its parent when each of its patterns is covered by one of the parent's
 * (a pattern covers another when every name the second matches, the first
 * matches too) and its data classes are a subset.
 *
 * @example
 * scopeWithin({ kinds: ['tool.call'], tools: ['fs.read'], collections: [], classes: ['internal'] }, FULL_SCOPE) // true
 */
import { DATA_CLASSES, type DataClass } from '../task/messages.ts'
import { arrayOf, object, oneOf, str, type Shape } from '../shape.ts'
import { MAX_SCOPE_ENTRIES, MAX_SCOPE_PATTERN_CHARS } from './constants.ts'
import type { ChainScope } from './types.ts'

const SEGMENT = '[a-z][a-z0-9-]*'
const KIND_PATTERN = new RegExp(`^(?:\\*|${SEGMENT}(?:\\.${SEGMENT})*(?:\\.\\*)?)$`)
const NAME_PATTERN = new RegExp(`^(?:\\*|[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,${MAX_SCOPE_PATTERN_CHARS - 2}}\\*?)$`)

const list = (pattern: RegExp): Shape<string[]> => arrayOf(str({ min: 1, max: MAX_SCOPE_PATTERN_CHARS, pattern }), { max: MAX_SCOPE_ENTRIES })

export const SCOPE: Shape<ChainScope> = object({
  kinds: list(KIND_PATTERN),
  tools: list(NAME_PATTERN),
  collections: list(NAME_PATTERN),
  classes: arrayOf(oneOf(DATA_CLASSES), { max: DATA_CLASSES.length })
})

/** Everything: the scope of a chain its origin started without narrowing it. */
export const FULL_SCOPE: ChainScope = Object.freeze({ kinds: ['*'], tools: ['*'], collections: ['*'], classes: [...DATA_CLASSES] }) as ChainScope

/** Whether `pattern` matches `name` (kinds: `llm.*` matches `llm.chat`; names: `fs*` matches `fs.read`). */
export function patternMatches (pattern: string, name: string): boolean {
  if (pattern === '*') return true
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1))
  return pattern === name
}

/** Whether every name `child` matches, `parent` matches too. */
export function patternCovers (parent: string, child: string): boolean {
  if (parent === '*' || parent === child) return true
  if (child === '*') return false
  // a child `fs.read*` matches only names starting `fs.read`, which `fs.*` all matches
  return parent.endsWith('*') && child.startsWith(parent.slice(0, -1))
}

const covered = (parent: readonly string[], child: readonly string[]): boolean => child.every(c => parent.some(p => patternCovers(p, c)))

/** Whether `child` only narrows `parent`: each list covered, classes a subset. */
export function scopeWithin (child: ChainScope, parent: ChainScope): boolean {
  return covered(parent.kinds, child.kinds) && covered(parent.tools, child.tools) &&
    covered(parent.collections, child.collections) && child.classes.every(c => parent.classes.includes(c))
}

export interface ScopedRequest { kind: string, tool?: string, collection?: string, dataClass: DataClass }

/** Whether a request's kind, tool, collection and data class all lie inside `scope`. */
export function inScope (scope: ChainScope, req: ScopedRequest): boolean {
  const matches = (patterns: readonly string[], name: string | undefined): boolean => name == null || patterns.some(p => patternMatches(p, name))
  return matches(scope.kinds, req.kind) && matches(scope.tools, req.tool) && matches(scope.collections, req.collection) && scope.classes.includes(req.dataClass)
}
