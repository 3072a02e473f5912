/** Polling helpers live with the scripts (the demo ships them); tests import them from here as before. */
export * from '../../scripts/mesh/wait.ts'
