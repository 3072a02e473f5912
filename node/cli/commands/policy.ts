import type { Command } from '../command.ts'
import { ApiClient, readApiFile } from '../../api/client.ts'
import { homePaths } from '../../home/home.ts'
import { loadPolicyFile } from '../../policy/load.ts'
import { defaultFounderPolicy } from '../../policy/defaults.ts'
import { describePolicy, type PolicySummary } from '../../policy/describe.ts'

export const policyShow: Command = {
  path: ['policy', 'show'],
  summary: 'Show the policy that decides every delegation to and from this node',
  async run (ctx) {
    let summary: PolicySummary
    if (await readApiFile(ctx.home) != null) {
      summary = await (await ApiClient.fromHome(ctx.home)).get<PolicySummary>('/api/policy', ctx.signal)
    } else {
      const path = homePaths(ctx.home).policy
      const policy = await loadPolicyFile(path).catch((err: Error) => { if (err.name === 'PolicyFileNotFoundError') return defaultFounderPolicy(); throw err })
      summary = describePolicy(policy)
    }
    if (ctx.json) { ctx.out.json(summary); return }
    ctx.out.line(JSON.stringify(summary, null, 2))
  }
}
