/**
 * Load signals between members: the signed load beat this node gossips and
 * the verification of others' beats; the router takes what passes.
 */
export { loadBeatService, LoadBeatService, type LoadBeatComponents, type LoadBeatInit } from './beat-service.ts'
export { verifyBeat, type BeatVerifier } from './verify.ts'
export { LoadBeatRejectedError, type BeatRejection } from './errors.ts'
