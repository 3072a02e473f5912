/**
 * The throw-away mesh lives with the scripts (the demo ships it); tests get
 * it from here, with the CLI also runnable in this process
 * (`cliInProcess`, `{ inProcess: true }`), which the shipped mesh leaves out
 * because it sits below the CLI.
 *
 * @example
 * const h = harness(t) // or: const h = new Harness(); after(() => h.cleanup())
 * const a = await h.start(await h.found('acme', 'alpha', { inProcess: true }))
 */
import { Harness as MeshHarness, type AfterHook, type InProcessCli } from '../../scripts/mesh/harness.ts'
import type { Output } from '../../node/cli/output.ts'
import { jsonReplacer } from '../../node/cli/output.ts'

export * from '../../scripts/mesh/harness.ts'

/** `main` with an output that captures what a process would print. */
const runInProcess: InProcessCli = async (argv, env) => {
  let stdout = ''
  let stderr = ''
  const out: Output = {
    line: (text = '') => { stdout += text + '\n' },
    write: (text) => { stdout += text },
    json: (value) => { stdout += JSON.stringify(value, jsonReplacer) + '\n' },
    error: (text) => { stderr += text + '\n' },
    progress: () => {}
  }
  // loaded on first use: a test that only spawns processes does not load every command here
  const { main } = await import('../../node/cli/main.ts')
  const code = await main(argv, { out, env })
  return { code, stdout, stderr }
}

export class Harness extends MeshHarness {
  constructor () {
    super(runInProcess)
  }
}

/** A harness whose cleanup runs when the test (or suite) ends. */
export function harness (t: AfterHook): Harness {
  const h = new Harness()
  t.after(async () => { await h.cleanup() })
  return h
}
