/**
 * A scripted model and stub mesh for unit tests of the agent loop: the
 * "model" answers each `llm.chat` step from a script (tool calls or a final
 * text), tools answer from a map, and every spec the loop sent is kept.
 */
import type { RunResult, RunSpec } from '../../node/tasks/index.ts'
import type { TaskRunContext } from '../../node/tasks/registry.ts'
import type { MeshTool, MeshToolCall, MeshToolResult } from '../../node/tools/index.ts'
import type { KernelComponents } from '../../node/agents/index.ts'
import type { AuditEntryInput } from '../../node/audit/entry.ts'
import { generateKeyPair } from '../../identity/keys.ts'
import { sign } from '../../identity/keys.ts'
import { issueAgentCert } from '../../identity/agent-cert.ts'
import type { ChainSigner } from '../../protocol/chain/index.ts'
import { profileOf, type AgentProfile, type AgentSpec } from '../../node/agents/index.ts'

export type Step = { calls: Array<{ name: string, arguments: string }> } | { text: string } | ((spec: RunSpec) => Promise<RunResult>)

export const SELF = '12D3KooWSelfSelfSelfSelfSelf'
export const PEER_A = '12D3KooWPeerAPeerAPeerAPeerA'

export function tool (name: string, node = PEER_A): MeshTool {
  return { name, provider: name.split('.')[0] as string, node, nodeName: 'alpha', description: `the ${name} tool`, inputSchema: { type: 'object', properties: { x: { type: 'number' } } }, class: 'internal', local: false, callable: true }
}

export interface Scripted {
  kernel: KernelComponents
  specs: RunSpec[]
  chats: RunSpec[]
  calls: MeshToolCall[]
  audit: AuditEntryInput[]
}

export function scripted (steps: Step[], opts: { tools?: MeshTool[], toolResult?: (req: MeshToolCall) => Promise<MeshToolResult>, usage?: number, agents?: KernelComponents['agents'], other?: (spec: RunSpec) => Promise<RunResult> } = {}): Scripted {
  const specs: RunSpec[] = []
  const chats: RunSpec[] = []
  const calls: MeshToolCall[] = []
  const audit: AuditEntryInput[] = []
  let i = 0
  let n = 0
  const kernel: KernelComponents = {
    self: SELF,
    router: {
      run: async (spec) => {
        specs.push(spec)
        if (spec.kind !== 'llm.chat' || spec.peer != null) {
          if (opts.other == null) throw new Error(`unexpected ${spec.kind}`)
          return await opts.other(spec)
        }
        chats.push(structuredClone({ ...spec, signal: undefined, chain: undefined }))
        const step = steps[Math.min(i++, steps.length - 1)] as Step
        if (typeof step === 'function') return await step(spec)
        const usage = { promptTokens: opts.usage ?? 10, completionTokens: 5 }
        if ('text' in step) return { taskId: 't' + (n++), executor: SELF, output: step.text, usage, finishReason: 'stop', attempts: 1 }
        return { taskId: 't' + (n++), executor: SELF, output: '', usage, finishReason: 'tool_calls', toolCalls: step.calls.map((c, k) => ({ id: `call-${i}-${k}`, ...c })), attempts: 1 }
      }
    },
    tools: {
      list: () => opts.tools ?? [tool('t.echo')],
      call: async (req) => {
        calls.push(req)
        if (opts.toolResult != null) return await opts.toolResult(req)
        return { taskId: 'tool', executor: PEER_A, result: { content: [{ type: 'text', text: `echo ${JSON.stringify(req.arguments)}` }], isError: false } }
      }
    },
    agents: opts.agents ?? (() => []),
    models: () => [],
    audit: { append: async (e) => { audit.push(e); return undefined as never } }
  }
  return { kernel, specs, chats, calls, audit }
}

/** An agent's signer, its cert issued by `node` (a real node's key when the chain is checked end to end). */
export function signer (name: string, node = generateKeyPair()): ChainSigner {
  const key = generateKeyPair()
  return { name, publicKey: key.publicKey, cert: issueAgentCert({ node, agent: key.publicKey, name }), sign: (m) => sign(key.secretKey, m) }
}

export function profile (spec: Partial<AgentSpec> = {}): AgentProfile {
  return profileOf({ name: 'helper', model: 'tiny', tools: ['t.*'], ...spec }, '00'.repeat(32), 1)
}

export function context (signal = new AbortController().signal): TaskRunContext & { text: () => string } {
  let text = ''
  return { taskId: 'a'.repeat(32), from: SELF, signal, priority: 'interactive', emit: (t) => { text += t }, text: () => text }
}
