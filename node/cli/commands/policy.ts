import { readFile } from 'node:fs/promises'
import type { Command, CommandContext, ParsedArgs } from '../command.ts'
import { UsageError } from '../errors.ts'
import { stringList } from '../parse.ts'
import { writeFileAtomic } from '../../../identity/atomic-write.ts'
import { addRule, removeRule, type PolicyEdit, type RuleSpec } from '../../policy/edit.ts'
import { formatPolicy } from '../../policy/defaults.ts'
import { DATA_CLASSES } from '../../policy/constants.ts'
import type { DataClass } from '../../policy/types.ts'
import { ApiClient, readApiFile } from '../../api/client.ts'
import { homePaths } from '../../home/home.ts'
import { loadPolicyFile } from '../../policy/load.ts'
import { defaultFounderPolicy } from '../../policy/defaults.ts'
import { describePolicy, type PolicySummary } from '../../policy/describe.ts'
import type { PolicyReloadResult, PolicyReloadState } from '../../policy/live.ts'

export const policyShow: Command = {
  path: ['policy', 'show'],
  summary: 'Show the policy that decides every delegation to and from this node',
  async run (ctx) {
    let summary: PolicySummary & { file?: PolicyReloadState }
    if (await readApiFile(ctx.home) != null) {
      summary = await (await ApiClient.fromHome(ctx.home)).get<PolicySummary & { file: PolicyReloadState }>('/api/policy', ctx.signal)
    } else {
      const path = homePaths(ctx.home).policy
      const policy = await loadPolicyFile(path).catch((err: Error) => { if (err.name === 'PolicyFileNotFoundError') return defaultFounderPolicy(); throw err })
      summary = describePolicy(policy)
    }
    if (ctx.json) { ctx.out.json(summary); return }
    if (summary.file?.error != null) ctx.out.line(`The running node refused the edit on disk and keeps the policy below: ${summary.file.error}`)
    ctx.out.line(JSON.stringify(summary, null, 2))
  }
}

export const policyReload: Command = {
  path: ['policy', 'reload'],
  summary: 'Put policy.json in force on the running node now (it also watches the file)',
  async run (ctx) {
    const r = await (await ApiClient.fromHome(ctx.home)).post<PolicyReloadResult>('/api/policy/reload', {}, ctx.signal)
    if (ctx.json) ctx.out.json(r)
    else if (!r.ok) ctx.out.line(`Refused; the policy in force stays: ${r.error}`)
    else ctx.out.line(r.changed ? `Policy reloaded: ${r.rules} rules in force` : `Policy unchanged: ${r.rules} rules in force`)
    return r.ok ? 0 : 1
  }
}

/** The policy file's text, or the founder default written out when the home has none yet. */
async function policyText (path: string): Promise<string> {
  try { return await readFile(path, 'utf8') } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return formatPolicy(defaultFounderPolicy())
    throw err
  }
}

async function saveEdit (ctx: CommandContext, path: string, edit: PolicyEdit, what: string): Promise<void> {
  await writeFileAtomic(path, new TextEncoder().encode(edit.text), { mode: 0o600 })
  const running = await readApiFile(ctx.home) != null
  if (ctx.json) { ctx.out.json({ id: edit.id, rules: edit.policy.rules.map(r => r.id), running }); return }
  ctx.out.line(`${what} rule ${edit.id}; the rules now are, first match wins: ${edit.policy.rules.map(r => r.id).join(', ') || 'none (everything is denied)'}`)
  if (running) ctx.out.line('The running node puts it in force by itself (mycel policy show to check).')
}

const ruleOptions = {
  id: { type: 'string', help: 'The rule\'s id (default: made of the effect and kinds)' },
  peer: { type: 'string', multiple: true, help: 'Peer id the rule is about' },
  group: { type: 'string', multiple: true, help: 'Group the rule is about, e.g. members' },
  kind: { type: 'string', multiple: true, help: 'Task kind: echo, llm.*, tool.call, memory.search, * (required)' },
  model: { type: 'string', multiple: true, help: 'Model name or pattern (default any)' },
  tool: { type: 'string', multiple: true, help: 'Tool name or pattern for tool.call, e.g. fs.*' },
  collection: { type: 'string', multiple: true, help: 'Memory collection for memory.* kinds' },
  class: { type: 'string', multiple: true, help: `Data class: ${DATA_CLASSES.join(', ')} (default all)` },
  direction: { type: 'string', help: 'inbound (work run here), outbound (work sent) or both (default)' },
  description: { type: 'string', help: 'Free text shown by policy show' },
  before: { type: 'string', help: 'Put the rule in front of this rule id' }
} as const

function ruleSpec (effect: RuleSpec['effect'], args: ParsedArgs): RuleSpec {
  const v = args.values
  const kinds = stringList(v.kind)
  if (kinds.length === 0) throw new UsageError('Name at least one --kind, e.g. --kind echo or --kind "llm.*"')
  const classes = stringList(v.class)
  for (const c of classes) if (!(DATA_CLASSES as readonly string[]).includes(c)) throw new UsageError(`--class ${c}: use one of ${DATA_CLASSES.join(', ')}`)
  const direction = v.direction as string | undefined
  if (direction != null && !['inbound', 'outbound', 'both'].includes(direction)) throw new UsageError(`--direction ${direction}: use inbound, outbound or both`)
  const peers = stringList(v.peer)
  const groups = stringList(v.group)
  if (peers.length === 0 && groups.length === 0) throw new UsageError('Name who the rule is about: --group G or --peer PEER_ID ')
  return {
    effect,
    kinds,
    peers,
    groups,
    models: stringList(v.model),
    tools: stringList(v.tool),
    collections: stringList(v.collection),
    classes: classes as DataClass[],
    ...(direction != null ? { direction: direction as RuleSpec['direction'] & string } : {}),
    ...(typeof v.id === 'string' ? { id: v.id } : {}),
    ...(typeof v.description === 'string' ? { description: v.description } : {}),
    ...(typeof v.before === 'string' ? { before: v.before } : {})
  }
}

function ruleCommand (effect: RuleSpec['effect']): Command {
  return {
    path: ['policy', effect],
    summary: effect === 'allow'
      ? 'Add a rule allowing a peer or group to run task kinds (added after the existing rules)'
      : 'Add a rule denying a peer or group task kinds (added first, so it overrides the allows)',
    usage: '(--group G | --peer ID)... --kind K... [--model M]... [--tool T]... [--collection C]... [--class C]... [--direction D] [--id ID] [--before RULE]',
    options: ruleOptions,
    positionals: { max: 0 },
    async run (ctx, args) {
      const path = homePaths(ctx.home).policy
      await saveEdit(ctx, path, addRule(await policyText(path), path, ruleSpec(effect, args)), 'Added')
    }
  }
}

export const policyAllow: Command = ruleCommand('allow')
export const policyDeny: Command = ruleCommand('deny')

export const policyRm: Command = {
  path: ['policy', 'rm'],
  summary: 'Remove a rule from the policy by its id',
  usage: 'RULE',
  positionals: { min: 1, max: 1 },
  async run (ctx, args) {
    const path = homePaths(ctx.home).policy
    await saveEdit(ctx, path, removeRule(await policyText(path), path, args.positionals[0] as string), 'Removed')
  }
}
