import type { Command } from '../command.ts'
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
