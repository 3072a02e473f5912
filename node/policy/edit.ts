/**
 * Edits to the policy file for people who do not want to write JSON:
 * `mycel policy allow|deny ...` adds a rule and `mycel policy rm RULE`
 * removes one. The file's own JSON is edited (other fields, their order and
 * descriptions stay), the result is checked by the same parser the node
 * uses, and only a policy that parses is written (atomically, 0600), so an
 * edit can never leave a file the node would refuse. A running node picks
 * the file up by itself (`live.ts`).
 *
 * Rules match first to last. A new `deny` goes first, so it takes effect
 * over the allows already there; a new `allow` goes last, after the denies.
 * `before` places a rule in front of a named one instead.
 *
 * @example
 * const { text, id } = addRule(await readFile(path, 'utf8'), path, { effect: 'allow', groups: ['eng'], kinds: ['tool.call'], tools: ['fs.*'] })
 * removeRule(text, path, id)
 */
import { basename } from 'node:path'
import { InvalidPolicyError } from './errors.ts'
import { parsePolicy } from './parse.ts'
import type { DataClass, Policy, PolicyRule } from './types.ts'

export interface RuleSpec {
  effect: PolicyRule['effect']
  /** @default one made of the effect and the kinds, e.g. `allow-tool.call` (numbered when taken) */
  id?: string
  peers?: string[]
  groups?: string[]
  kinds: string[]
  models?: string[]
  tools?: string[]
  collections?: string[]
  classes?: DataClass[]
  direction?: PolicyRule['direction']
  description?: string
  /** Put the rule in front of this one. */
  before?: string
}

export interface PolicyEdit {
  /** The new file text; it parses. */
  text: string
  /** The rule added or removed. */
  id: string
  /** The policy the new text gives. */
  policy: Policy
}

type RawRule = Record<string, unknown>

/** A rule's id as the parser names it: its `id`, else `rule-N` by position. */
const idOf = (r: RawRule, i: number): string => typeof r.id === 'string' ? r.id : `rule-${i + 1}`

function raw (text: string, path: string): { file: Record<string, unknown>, rules: RawRule[] } {
  // the file must parse as a policy before it is edited: an edit must not bury a mistake in it
  parsePolicy(text, path)
  const file = JSON.parse(text) as Record<string, unknown>
  const rules = Array.isArray(file.rules) ? file.rules as RawRule[] : []
  return { file, rules }
}

function finish (file: Record<string, unknown>, path: string, id: string): PolicyEdit {
  const text = JSON.stringify(file, null, 2) + '\n'
  return { text, id, policy: parsePolicy(text, path) }
}

function defaultId (spec: RuleSpec, taken: Set<string>): string {
  const base = `${spec.effect}-${spec.kinds.join('-')}`.replace(/\*/g, 'any').replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 56)
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`
}

/** The file text with one more rule; throws `InvalidPolicyError` (naming the field) when the rule or the file is wrong. */
export function addRule (text: string, path: string, spec: RuleSpec): PolicyEdit {
  const { file, rules } = raw(text, path)
  const taken = new Set(rules.map(idOf))
  const id = spec.id ?? defaultId(spec, taken)
  if (taken.has(id)) throw new InvalidPolicyError(`a rule with id ${JSON.stringify(id)} exists already (remove it first, or choose another --id)`, basename(path))
  const rule: RawRule = {
    id,
    ...(spec.description != null ? { description: spec.description } : {}),
    effect: spec.effect,
    ...(spec.peers != null && spec.peers.length > 0 ? { peers: spec.peers } : {}),
    ...(spec.groups != null && spec.groups.length > 0 ? { groups: spec.groups } : {}),
    kinds: spec.kinds,
    ...(spec.models != null && spec.models.length > 0 ? { models: spec.models } : {}),
    ...(spec.tools != null && spec.tools.length > 0 ? { tools: spec.tools } : {}),
    ...(spec.collections != null && spec.collections.length > 0 ? { collections: spec.collections } : {}),
    ...(spec.classes != null && spec.classes.length > 0 ? { classes: spec.classes } : {}),
    ...(spec.direction != null ? { direction: spec.direction } : {})
  }
  let at = spec.effect === 'deny' ? 0 : rules.length
  if (spec.before != null) {
    at = rules.findIndex((r, i) => idOf(r, i) === spec.before)
    if (at < 0) throw new InvalidPolicyError(`no rule ${JSON.stringify(spec.before)} to put the new rule before`, basename(path))
  }
  rules.splice(at, 0, rule)
  file.rules = rules
  try {
    return finish(file, path, id)
  } catch (err) {
    // the file parsed before, so the fault is in the new rule: its line in a file not written yet means nothing
    if (err instanceof InvalidPolicyError) throw new InvalidPolicyError(`the new rule: ${err.detail}`, err.file)
    throw err
  }
}

/** The file text without rule `id`; throws `InvalidPolicyError` when there is no such rule. */
export function removeRule (text: string, path: string, id: string): PolicyEdit {
  const { file, rules } = raw(text, path)
  const at = rules.findIndex((r, i) => idOf(r, i) === id)
  if (at < 0) {
    const ids = rules.map(idOf)
    throw new InvalidPolicyError(`no rule ${JSON.stringify(id)}${ids.length > 0 ? ` (the rules are ${ids.join(', ')})` : ' (the policy has no rules)'}`, basename(path))
  }
  rules.splice(at, 1)
  file.rules = rules
  return finish(file, path, id)
}
