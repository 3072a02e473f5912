/**
 * The A2A request handler: the SDK's `DefaultRequestHandler` (task store,
 * event buses, cancel, resubscribe) in front of the mesh executor, with
 * Mycel's checks before a message becomes a task, so both JSON-RPC
 * transports (v1.0 and v0.3) refuse the same messages the same way: a
 * message Mycel cannot map is `-32602`, one naming an existing task is
 * `UnsupportedOperationError` (Mycel tasks take one message and never ask
 * for more input).
 */
import type { AgentCard, CancelTaskRequest, DeleteTaskPushNotificationConfigRequest, GetExtendedAgentCardRequest, GetTaskPushNotificationConfigRequest, GetTaskRequest, ListTaskPushNotificationConfigsRequest, ListTaskPushNotificationConfigsResponse, ListTasksRequest, ListTasksResponse, Message, SendMessageRequest, StreamResponse, SubscribeToTaskRequest, Task, TaskPushNotificationConfig } from '@a2a-js/sdk'
import { DefaultRequestHandler, type A2ARequestHandler, type ServerCallContext } from '@a2a-js/sdk/server'
import { UnsupportedOperationError } from '@a2a-js/sdk/errors'
import type { TasksModule } from '../api/modules.ts'
import { baseAgentCard } from './card.ts'
import type { MeshAgentExecutor } from './executor.ts'
import { messageTask } from './message.ts'
import { BoundedTaskStore, type TaskStoreInit } from './task-store.ts'

export class MeshRequestHandler implements A2ARequestHandler {
  private readonly inner: DefaultRequestHandler
  private readonly tasks: Pick<TasksModule, 'offers'>

  constructor (tasks: Pick<TasksModule, 'offers'>, executor: MeshAgentExecutor, store: TaskStoreInit = {}) {
    this.tasks = tasks
    this.inner = new DefaultRequestHandler(baseAgentCard(), new BoundedTaskStore(store), executor)
  }

  private check (params: SendMessageRequest): void {
    if (params.message != null && params.message.taskId !== '') throw new UnsupportedOperationError('A Mycel task takes one message: send a new message without taskId')
    messageTask(params, this.tasks.offers())
  }

  async sendMessage (params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    this.check(params)
    return await this.inner.sendMessage(params, context)
  }

  async * sendMessageStream (params: SendMessageRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> {
    this.check(params)
    yield * this.inner.sendMessageStream(params, context)
  }

  async getAgentCard (): Promise<AgentCard> { return await this.inner.getAgentCard() }
  async getAuthenticatedExtendedAgentCard (params: GetExtendedAgentCardRequest, context: ServerCallContext): Promise<AgentCard> { return await this.inner.getAuthenticatedExtendedAgentCard(params, context) }
  async getTask (params: GetTaskRequest, context: ServerCallContext): Promise<Task> { return await this.inner.getTask(params, context) }
  async cancelTask (params: CancelTaskRequest, context: ServerCallContext): Promise<Task> { return await this.inner.cancelTask(params, context) }
  async listTasks (params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> { return await this.inner.listTasks(params, context) }
  resubscribe (params: SubscribeToTaskRequest, context: ServerCallContext): AsyncGenerator<StreamResponse, void, undefined> { return this.inner.resubscribe(params, context) }
  async createTaskPushNotificationConfig (params: TaskPushNotificationConfig, context: ServerCallContext): Promise<TaskPushNotificationConfig> { return await this.inner.createTaskPushNotificationConfig(params, context) }
  async getTaskPushNotificationConfig (params: GetTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<TaskPushNotificationConfig> { return await this.inner.getTaskPushNotificationConfig(params, context) }
  async listTaskPushNotificationConfigs (params: ListTaskPushNotificationConfigsRequest, context: ServerCallContext): Promise<ListTaskPushNotificationConfigsResponse> { return await this.inner.listTaskPushNotificationConfigs(params, context) }
  async deleteTaskPushNotificationConfig (params: DeleteTaskPushNotificationConfigRequest, context: ServerCallContext): Promise<void> { await this.inner.deleteTaskPushNotificationConfig(params, context) }
}
