/**
 * Policy file → `Policy`, checking every value and naming the line of the
 * first bad one. The format is documented in docs/policy.md.
 */
import { basename } from 'node:path'
import { DATA_CLASSES, DEFAULT_LEAVE_NODE_CLASSES, DEFAULT_LEAVE_ORG_CLASSES, DEFAULT_RATE, MAX_POLICY_RULES, POLICY_VERSION } from './constants.ts'
import { InvalidPolicyError } from './errors.ts'
import { JsonSyntaxError, parseJson, type JNode } from './json.ts'
import { AGENT_PRINCIPAL, GROUP, KIND_PATTERN, NAME_PATTERN, PEER, parseRate } from './patterns.ts'
import type { DataClass, Limits, Policy, PolicyRule, Rate } from './types.ts'
import { MAX_CHAIN_LINKS } from '../../protocol/task/messages.ts'

type Obj = Extract<JNode, { type: 'object' }>

/** Parses policy file text; `file` names it in errors (its base name is shown). */
export function parsePolicy (text: string, file = 'policy.json'): Policy {
  const name = basename(file)
  const fail = (line: number, detail: string): never => { throw new InvalidPolicyError(detail, name, line) }

  let root: JNode
  try {
    root = parseJson(text)
  } catch (err) {
    if (err instanceof JsonSyntaxError) fail(err.line, err.message)
    throw err
  }

  const fields = (node: JNode, what: string, allowed: readonly string[]): Map<string, JNode> => {
    if (node.type !== 'object') fail(node.line, `${what} must be an object`)
    const out = new Map<string, JNode>()
    for (const e of (node as Obj).entries) {
      if (!allowed.includes(e.key)) fail(e.keyLine, `unknown key ${JSON.stringify(e.key)} in ${what} (expected one of ${allowed.join(', ')})`)
      out.set(e.key, e.value)
    }
    return out
  }
  const string = (node: JNode, what: string): string => {
    if (node.type !== 'string') return fail(node.line, `${what} must be a string`)
    return node.value
  }
  const list = (node: JNode | undefined, what: string, check: (s: string, line: number) => void): string[] | undefined => {
    if (node == null) return undefined
    if (node.type !== 'array') return fail(node.line, `${what} must be a list of strings`)
    const out: string[] = []
    for (const item of node.items) {
      const s = string(item, `each entry of ${what}`)
      check(s, item.line)
      if (!out.includes(s)) out.push(s)
    }
    return out
  }
  const classList = (node: JNode | undefined, what: string): DataClass[] | undefined =>
    list(node, what, (s, line) => { if (!DATA_CLASSES.includes(s as DataClass)) fail(line, `unknown data class ${JSON.stringify(s)} in ${what} (expected ${DATA_CLASSES.join(', ')})`) }) as DataClass[] | undefined
  const kindList = (node: JNode | undefined, what: string): string[] | undefined =>
    list(node, what, (s, line) => { if (!KIND_PATTERN.test(s)) fail(line, `unknown task kind pattern ${JSON.stringify(s)} (use a kind such as "echo", a family such as "llm.*", or "*")`) })
  const nameList = (node: JNode | undefined, what: string): string[] | undefined =>
    list(node, what, (s, line) => { if (!NAME_PATTERN.test(s)) fail(line, `invalid name ${JSON.stringify(s)} in ${what} (a name, "prefix*" or "*")`) })
  const rate = (node: JNode, what: string): Rate | null => {
    const s = string(node, what)
    const r = parseRate(s)
    if (r === undefined) fail(node.line, `invalid rate ${JSON.stringify(s)} for ${what} (e.g. "60/min", "10/s", "1000/hour" or "off")`)
    return r as Rate | null
  }

  const top = fields(root, 'the policy', ['version', 'description', 'dataClasses', 'rateLimits', 'quotas', 'models', 'cloudFallback', 'delegation', 'rules'])
  const version = top.get('version')
  if (version == null) fail(root.line, 'missing "version": 1')
  if (version?.type !== 'number' || version.value !== POLICY_VERSION) fail((version as JNode).line, `unsupported version (this node reads version ${POLICY_VERSION})`)
  const description = top.has('description') ? string(top.get('description') as JNode, 'description') : undefined

  // data classes
  let leaveNode = [...DEFAULT_LEAVE_NODE_CLASSES]
  let leaveOrg = [...DEFAULT_LEAVE_ORG_CLASSES]
  const dc = top.get('dataClasses')
  if (dc != null) {
    const f = fields(dc, 'dataClasses', ['leaveNode', 'leaveOrg'])
    leaveNode = classList(f.get('leaveNode'), 'dataClasses.leaveNode') ?? leaveNode
    leaveOrg = classList(f.get('leaveOrg'), 'dataClasses.leaveOrg') ?? leaveOrg
    for (const [key, classes] of [['leaveNode', leaveNode], ['leaveOrg', leaveOrg]] as const) {
      if (classes.includes('local-only')) fail((f.get(key) as JNode).line, `"local-only" data can never leave the node (remove it from dataClasses.${key})`)
    }
    for (const c of leaveOrg) if (!leaveNode.includes(c)) fail((f.get('leaveOrg') as JNode).line, `data class "${c}" may leave the org but not the node (add it to dataClasses.leaveNode or remove it here)`)
  }

  // rate limits and quotas: { default, peers: {id: rate}, groups: {name: rate} }
  const limits = (node: JNode | undefined, what: string, fallback: Rate | null): Limits => {
    const out: Limits = { default: fallback, peers: {}, groups: {} }
    if (node == null) return out
    const f = fields(node, what, ['default', 'peers', 'groups'])
    const d = f.get('default')
    if (d != null) out.default = rate(d, `${what}.default`)
    for (const [key, pattern, noun] of [['peers', PEER, 'peer id'], ['groups', GROUP, 'group name']] as const) {
      const m = f.get(key)
      if (m == null) continue
      if (m.type !== 'object') fail(m.line, `${what}.${key} must be an object of ${noun} → rate`)
      // keys pass PEER or GROUP (no "__proto__"), so a plain object is safe
      for (const e of (m as Obj).entries) {
        if (e.key === '*' || !pattern.test(e.key)) fail(e.keyLine, `invalid ${noun} ${JSON.stringify(e.key)} in ${what}.${key}`)
        out[key][e.key] = rate(e.value, `${what}.${key}.${e.key}`)
      }
    }
    return out
  }
  const rateLimits = limits(top.get('rateLimits'), 'rateLimits', parseRate(DEFAULT_RATE) as Rate)
  const qn = top.get('quotas')
  const quotas: Policy['quotas'] = { tokens: limits(qn != null ? fields(qn, 'quotas', ['tokens']).get('tokens') : undefined, 'quotas.tokens', null) }

  const models: Policy['models'] = { require: 'any' }
  const mn = top.get('models')
  if (mn != null) {
    const req = fields(mn, 'models', ['require']).get('require')
    if (req != null) {
      const v = string(req, 'models.require')
      if (v !== 'any' && v !== 'approved') fail(req.line, `models.require must be "any" or "approved", not ${JSON.stringify(v)}`)
      models.require = v as Policy['models']['require']
    }
  }

  // cloud fallback: present for completeness, off unless explicitly enabled
  const cloud: Policy['cloudFallback'] = { enabled: false, kinds: [], classes: [...leaveOrg] }
  const cf = top.get('cloudFallback')
  if (cf != null) {
    const f = fields(cf, 'cloudFallback', ['enabled', 'endpoint', 'kinds', 'classes', 'description'])
    const en = f.get('enabled')
    if (en != null && en.type !== 'boolean') fail(en.line, 'cloudFallback.enabled must be true or false')
    cloud.enabled = en?.type === 'boolean' && en.value
    const ep = f.get('endpoint')
    if (ep != null) {
      const url = string(ep, 'cloudFallback.endpoint')
      if (!/^https?:\/\/[^\s]+$/.test(url)) fail(ep.line, `invalid cloudFallback.endpoint ${JSON.stringify(url)} (an http(s) URL)`)
      cloud.endpoint = url
    }
    cloud.kinds = kindList(f.get('kinds'), 'cloudFallback.kinds') ?? []
    cloud.classes = classList(f.get('classes'), 'cloudFallback.classes') ?? cloud.classes
    const cls = f.get('classes')
    for (const c of cloud.classes) if (!leaveOrg.includes(c)) fail((cls as JNode).line, `data class "${c}" may not leave the org (dataClasses.leaveOrg), so it cannot go to the cloud`)
    if (cloud.enabled && cloud.endpoint == null) fail(cf.line, 'cloudFallback is enabled but has no "endpoint"')
    if (cloud.enabled && cloud.kinds.length === 0) fail(cf.line, 'cloudFallback is enabled but allows no "kinds"')
  }

  // delegation chains: only their depth is this node's to set; scope narrows by construction
  let delegation: Policy['delegation']
  const dn = top.get('delegation')
  if (dn != null) {
    const md = fields(dn, 'delegation', ['maxDepth']).get('maxDepth')
    if (md != null) {
      if (md.type !== 'number' || !Number.isInteger(md.value) || md.value < 1 || md.value > MAX_CHAIN_LINKS) fail(md.line, `delegation.maxDepth must be an integer from 1 to ${MAX_CHAIN_LINKS}`)
      delegation = { maxDepth: (md as { value: number }).value }
    }
  }

  // rules
  const rules: PolicyRule[] = []
  const rn = top.get('rules')
  if (rn != null) {
    if (rn.type !== 'array') fail(rn.line, 'rules must be a list')
    const items = (rn as Extract<JNode, { type: 'array' }>).items
    if (items.length > MAX_POLICY_RULES) fail(rn.line, `more than ${MAX_POLICY_RULES} rules`)
    const ids = new Set<string>()
    items.forEach((node, i) => {
      const f = fields(node, `rule ${i + 1}`, ['id', 'description', 'effect', 'peers', 'groups', 'agents', 'kinds', 'models', 'tools', 'collections', 'classes', 'direction'])
      const idNode = f.get('id')
      const id = idNode != null ? string(idNode, 'rule id') : `rule-${i + 1}`
      if (idNode != null && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id)) fail(idNode.line, `invalid rule id ${JSON.stringify(id)} (letters, digits, "-", "_", ".")`)
      if (['default-deny', 'local-only', 'data-classes', 'cloud-fallback', 'invalid-request'].includes(id)) fail((idNode as JNode).line, `rule id ${JSON.stringify(id)} is reserved`)
      if (ids.has(id)) fail(idNode?.line ?? node.line, `duplicate rule id ${JSON.stringify(id)}`)
      ids.add(id)
      const effectNode = f.get('effect')
      const effect = effectNode == null ? 'allow' : string(effectNode, 'effect')
      if (effect !== 'allow' && effect !== 'deny') fail((effectNode as JNode).line, `effect must be "allow" or "deny", not ${JSON.stringify(effect)}`)
      const peers = list(f.get('peers'), 'peers', (s, line) => { if (!PEER.test(s)) fail(line, `invalid peer id ${JSON.stringify(s)}`) }) ?? []
      const groups = list(f.get('groups'), 'groups', (s, line) => { if (!GROUP.test(s)) fail(line, `invalid group name ${JSON.stringify(s)}`) }) ?? []
      const agents = list(f.get('agents'), 'agents', (s, line) => { if (!AGENT_PRINCIPAL.test(s)) fail(line, `invalid agent ${JSON.stringify(s)} (NAME@PEER, *@PEER, or NAME for an agent of this node)`) }) ?? []
      if (peers.length === 0 && groups.length === 0 && agents.length === 0) fail(node.line, `rule ${JSON.stringify(id)} names no "peers" or "groups" (nor "agents"), so it would match nobody`)
      const kinds = kindList(f.get('kinds'), 'kinds')
      if (kinds == null || kinds.length === 0) fail(f.get('kinds')?.line ?? node.line, `rule ${JSON.stringify(id)} needs "kinds" (e.g. ["llm.*", "echo"])`)
      const dirNode = f.get('direction')
      const direction = dirNode == null ? 'both' : string(dirNode, 'direction')
      if (!['inbound', 'outbound', 'both'].includes(direction)) fail((dirNode as JNode).line, `direction must be "inbound", "outbound" or "both", not ${JSON.stringify(direction)}`)
      // allow rules grant no tools or collections unless listed; deny rules cover all unless narrowed
      const open = effect === 'deny' ? ['*'] : []
      const rule: PolicyRule = {
        id,
        line: node.line,
        effect: effect as PolicyRule['effect'],
        peers,
        groups,
        ...(agents.length > 0 ? { agents } : {}),
        kinds: kinds as string[],
        models: nameList(f.get('models'), 'models') ?? ['*'],
        tools: nameList(f.get('tools'), 'tools') ?? open,
        collections: nameList(f.get('collections'), 'collections') ?? open,
        classes: classList(f.get('classes'), 'classes') ?? [...DATA_CLASSES],
        direction: direction as PolicyRule['direction']
      }
      const desc = f.get('description')
      if (desc != null) rule.description = string(desc, 'description')
      rules.push(rule)
    })
  }

  const policy: Policy = {
    version: 1,
    source: file,
    rules,
    dataClasses: { leaveNode, leaveOrg },
    rateLimits,
    quotas,
    models,
    cloudFallback: cloud
  }
  if (description != null) policy.description = description
  if (delegation != null) policy.delegation = delegation
  return policy
}
