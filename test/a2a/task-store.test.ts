/** The A2A task store stays within its bounds, dropping the oldest finished tasks, never a running one. */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ListTasksRequest, TaskState, type Task } from '@a2a-js/sdk'
import { BoundedTaskStore } from '../../node/a2a/task-store.ts'

function task (id: string, state: TaskState, text = ''): Task {
  return {
    id, contextId: 'c', status: { state, message: undefined, timestamp: new Date().toISOString() }, history: [], metadata: undefined,
    artifacts: text === '' ? [] : [{ artifactId: 'output', name: '', description: '', parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata: undefined, extensions: [] }]
  }
}

describe('bounded A2A task store', { timeout: 10_000 }, () => {
  it('drops the oldest finished tasks past the count, keeping running ones', async () => {
    const store = new BoundedTaskStore({ maxTasks: 2 })
    await store.save(task('running', TaskState.TASK_STATE_WORKING))
    await store.save(task('old', TaskState.TASK_STATE_COMPLETED))
    await store.save(task('new', TaskState.TASK_STATE_COMPLETED))
    assert.equal(await store.load('old'), undefined)
    assert.equal((await store.load('running'))?.status?.state, TaskState.TASK_STATE_WORKING)
    assert.equal((await store.load('new'))?.id, 'new')
  })

  it('drops finished tasks past the text budget', async () => {
    const store = new BoundedTaskStore({ maxChars: 10 })
    await store.save(task('a', TaskState.TASK_STATE_COMPLETED, 'x'.repeat(8)))
    await store.save(task('b', TaskState.TASK_STATE_COMPLETED, 'y'.repeat(8)))
    assert.equal(await store.load('a'), undefined)
    assert.equal((await store.load('b'))?.artifacts[0]?.parts.length, 1)
  })

  it('lists newest first in pages, filtered by state', async () => {
    const store = new BoundedTaskStore()
    for (const id of ['t1', 't2', 't3']) await store.save(task(id, TaskState.TASK_STATE_COMPLETED))
    await store.save(task('t4', TaskState.TASK_STATE_FAILED))
    const first = await store.list(ListTasksRequest.fromJSON({ pageSize: 2, status: 'TASK_STATE_COMPLETED' }))
    assert.deepEqual(first.tasks.map(t => t.id), ['t3', 't2'])
    assert.equal(first.totalSize, 3)
    const next = await store.list(ListTasksRequest.fromJSON({ pageSize: 2, status: 'TASK_STATE_COMPLETED', pageToken: first.nextPageToken }))
    assert.deepEqual(next.tasks.map(t => t.id), ['t1'])
    assert.equal(next.nextPageToken, '')
  })
})
