/**
 * The one door out of the org. When no member can serve a task, the router
 * asks this service; it sends the task to the configured OpenAI-compatible
 * endpoint only if the policy's `cloudFallback` allows that kind and data
 * class (off by default, `public` only), the policy names this endpoint,
 * and the model is mapped. Every refusal and every use is audited with the
 * endpoint and digests of what left and what came back; never the key,
 * never the text.
 */
import type { Logger } from '../logger.ts'
import type { DataClass } from '../../protocol/task/messages.ts'
import type { Decision, DecisionRequest, Policy } from '../policy/types.ts'
import type { AuditEntryInput } from '../audit/index.ts'
import { digest } from '../audit/index.ts'
import type { TaskOutput } from '../tasks/registry.ts'
import { PolicyDeniedError } from '../tasks/errors.ts'
import { callCloud } from './client.ts'
import { loadCloudConfig, normaliseCloudUrl, type CloudConfig, type CloudPaths } from './config.ts'
import { CloudConfigError, CloudEndpointError } from './errors.ts'
import { loadCloudKey } from './key.ts'
import { cloudRequest, isCloudKind } from './request.ts'

export interface CloudFallbackComponents {
  logger: Logger
  policy: { decide: (req: DecisionRequest) => Decision, readonly policy: Policy }
  audit: { append: (input: AuditEntryInput) => Promise<unknown> }
  /** This node's peer id. */
  self: string
  paths: CloudPaths
  passphrase?: string
  env: NodeJS.ProcessEnv
}

export interface CloudTask {
  kind: string
  model?: string
  input: Record<string, unknown>
  dataClass: DataClass
  taskId: string
  signal?: AbortSignal
  onText?: (text: string) => void
}

export interface CloudStatus { url: string, models: Record<string, string>, key: string, allowed: boolean }

export class CloudFallback {
  private readonly c: CloudFallbackComponents

  constructor (components: CloudFallbackComponents) {
    this.c = components
  }

  async start (): Promise<void> {}
  async stop (): Promise<void> {}

  /** What `status` shows: the endpoint and its models, never the key. */
  async status (): Promise<CloudStatus | null> {
    const config = await loadCloudConfig(this.c.paths).catch(() => null)
    if (config == null) return null
    return { url: config.url, models: { ...config.models }, key: config.key === 'env' ? `environment ${config.keyEnv ?? ''}` : 'file', allowed: this.c.policy.policy.cloudFallback.enabled }
  }

  /**
   * Runs `task` at the endpoint, or throws: `noCandidate` itself when no
   * endpoint is configured or it cannot serve this kind or model,
   * `PolicyDeniedError` when the policy keeps it in, `CloudEndpointError`
   * when the endpoint fails.
   */
  async serve (task: CloudTask, noCandidate: Error): Promise<TaskOutput> {
    const config = await loadCloudConfig(this.c.paths)
    if (config == null || !isCloudKind(task.kind)) throw noCandidate
    const remote = task.model != null ? config.models[task.model] : undefined
    if (remote == null) throw noCandidate
    const base = { endpoint: config.url, kind: task.kind, model: task.model as string, dataClass: task.dataClass }
    const refuse = async (rule: string, reason: string): Promise<never> => {
      await this.audit({ type: 'cloud.refused', actor: this.c.self, task: task.taskId, data: { ...base, rule, reason: reason.slice(0, 256) } })
      throw new PolicyDeniedError(`Not sent to the cloud: ${reason}`, rule)
    }
    const decision = this.decide(config, task)
    if (!decision.allow) return await refuse(decision.rule, decision.reason)
    let request
    try {
      request = cloudRequest(task.kind, remote, task.input)
    } catch (err) {
      if (err instanceof CloudConfigError) return await refuse('cloud-fallback', err.message)
      throw err
    }
    const key = await loadCloudKey(this.c.paths, config, { ...(this.c.passphrase != null ? { passphrase: this.c.passphrase } : {}), env: this.c.env })
    await this.audit({ type: 'cloud.sent', actor: this.c.self, task: task.taskId, data: { ...base, remoteModel: remote, rule: decision.rule, input: digest(JSON.stringify(request.body)) } })
    try {
      const reply = await callCloud(request, { url: config.url, key, ...(config.timeoutMs != null ? { timeoutMs: config.timeoutMs } : {}), ...(task.signal != null ? { signal: task.signal } : {}), ...(task.onText != null ? { onText: task.onText } : {}) })
      await this.audit({ type: 'cloud.result', actor: this.c.self, task: task.taskId, data: { endpoint: config.url, state: 'completed', output: digest(reply.text), promptTokens: reply.usage?.promptTokens ?? null, completionTokens: reply.usage?.completionTokens ?? null } })
      return { output: reply.text, finishReason: reply.finishReason, ...(reply.usage != null ? { usage: reply.usage } : {}) }
    } catch (err) {
      const failure = err instanceof CloudEndpointError ? err.failure : 'canceled'
      await this.audit({ type: 'cloud.result', actor: this.c.self, task: task.taskId, data: { endpoint: config.url, state: 'failed', failure, status: (err as CloudEndpointError).status ?? null } })
      this.c.logger('cloud task %s failed: %s', task.taskId, (err as Error).message)
      throw err
    }
  }

  private decide (config: CloudConfig, task: CloudTask): Decision {
    const d = this.c.policy.decide({ peerId: this.c.self, groups: [], kind: task.kind, ...(task.model != null ? { model: task.model } : {}), dataClass: task.dataClass, direction: 'cloud' })
    if (!d.allow) return d
    // the policy names the one endpoint work may leave for; a different configured URL is not it
    const allowed = this.c.policy.policy.cloudFallback.endpoint
    if (allowed != null && normaliseCloudUrl(allowed) !== config.url) {
      return { allow: false, rule: 'cloud-fallback', reason: `the policy allows the endpoint ${normaliseCloudUrl(allowed)}, not ${config.url}` }
    }
    return d
  }

  private async audit (input: AuditEntryInput): Promise<void> {
    await this.c.audit.append(input).catch(err => { this.c.logger.error('could not audit %s: %e', input.type, err) })
  }
}

/** @example const cloud = cloudFallback()({ logger, policy, audit, self, paths, env: process.env }) */
export function cloudFallback (): (components: CloudFallbackComponents) => CloudFallback {
  return (components) => new CloudFallback(components)
}
