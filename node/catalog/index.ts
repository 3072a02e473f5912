/**
 * catalog/: models with provenance. The org's admin-signed model catalog as
 * this node holds it, and the gate every model kind passes: a pinned digest
 * must match, and policy may require approved files.
 */
export { CatalogStore, type CatalogStoreComponents } from './catalog-store.ts'
export { modelGate, type ModelGate, type ModelGateComponents } from './model-gate.ts'
export { ModelNotApprovedError, PinnedDigestMismatchError } from './errors.ts'
