/**
 * `mycel ps`: what the running node has loaded and is running now, like
 * `ollama ps`: its models loaded in memory, and its unfinished tasks (sent,
 * received and local) with kind, model, role, peer and age.
 */
import type { Command } from '../command.ts'
import { ApiClient } from '../../api/client.ts'
import type { ModelSummary } from '../../api/modules.ts'
import { table } from '../output.ts'
import type { TaskSummary } from '../../tasks/index.ts'
import { FINAL_STATES } from '../../../protocol/task/messages.ts'

const MIB = 1024 ** 2

export const ps: Command = {
  path: ['ps'],
  summary: 'Show the models loaded and the tasks running on this node now',
  async run (ctx) {
    const api = await ApiClient.fromHome(ctx.home)
    const tasks = (await api.get<TaskSummary[]>('/api/tasks', ctx.signal)).filter(t => !FINAL_STATES.has(t.state))
    const models = (await api.get<ModelSummary[]>('/api/models', ctx.signal)).filter(m => m.loaded)
    const now = Date.now()
    if (ctx.json) { ctx.out.json({ models, tasks }); return }
    ctx.out.line(models.length === 0 ? 'No models loaded.' : table(models.map(m => ({ ...m, size: `${(m.sizeBytes / MIB).toFixed(1)} MiB`, quant: m.quantisation })), ['name', 'quant', 'size']))
    ctx.out.line()
    if (tasks.length === 0) { ctx.out.line('No tasks running.'); return }
    ctx.out.line(table(tasks.map(t => ({ ...t, age: `${Math.max(0, Math.round((now - t.createdAt) / 1000))}s` })), ['taskId', 'kind', 'model', 'role', 'state', 'peer', 'age']))
  }
}
