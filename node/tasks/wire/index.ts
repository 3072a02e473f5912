/**
 * The task protocol on the wire (`/mycel/task/1.0.0`): the client submits,
 * attaches and cancels, yielding task events as an async generator and
 * failing with one `TaskClientError` whose code the router switches on; the
 * server answers one handler per message type; admission checks a request
 * before anything is decrypted (signature over exact bytes, signer, org,
 * audience, expiry, replay).
 *
 * @example
 * const client = taskClient()(components)
 * for await (const event of client.submit(peerId, requestBytes, { signal })) console.log(event.t)
 */
export { taskClient, TaskClient, type TaskClientComponents, type TaskClientInit, type ClientEvent, type ExchangeOptions } from './client.ts'
export { TaskServer, type TaskServerComponents } from './server.ts'
export { Admission, type AdmissionComponents, type AdmissionInit } from './admission.ts'
export { TaskClientError, type TaskClientErrorCode } from './errors.ts'
export { levelReplayStore, type ReplayStore } from './replay-store.ts'
