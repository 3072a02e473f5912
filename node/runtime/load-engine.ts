/**
 * Loads the engine module (`engine.ts`: node-llama-cpp and what is built on
 * its values) on first use, once per process.
 *
 * @example
 * const { readModelFileInfo } = await loadEngine()
 */
export type Engine = typeof import('./engine.ts')

let loading: Promise<Engine> | undefined

export async function loadEngine (): Promise<Engine> {
  loading ??= import('./engine.ts')
  try {
    return await loading
  } catch (err) {
    loading = undefined
    throw err
  }
}
