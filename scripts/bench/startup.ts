/**
 * Start to ready of a `mycel start` process, each next to what it is
 * compared with in the same run (issue 16):
 *
 * - a node without a model, which never loads llama.cpp's binding, against
 *   a node with one registered model, which loads it at start (what every
 *   node did before node-llama-cpp moved behind the engine module);
 * - a bare Node process (`node -e 0`), the floor of any start;
 * - the same start with Node's compile cache off (`NODE_DISABLE_COMPILE_CACHE=1`):
 *   every module compiled again, as on the very first start;
 * - `mycel --version`, which loads only its own command (the command table
 *   is lazy), against the bare process.
 *
 * Ready means: listening (api.json written), connected to the founder and
 * its card held by the founder. Reproduce: `npm run bench -- startup`
 */
import { spawn } from 'node:child_process'
import { Harness } from '../../test/helpers/harness.ts'
import { CLI_BIN } from '../mesh/harness.ts'
import { startToReady } from './mesh.ts'
import { benchModelPath } from './runtime.ts'
import { percentile, type BenchRow, type BenchSuite } from './table.ts'

const RUNS = 5
const TARGET_MS = 1000

/** Milliseconds from spawning `node ARGS` to its exit. */
async function processRun (args: string[]): Promise<number> {
  const t0 = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'ignore' })
    child.once('error', reject)
    child.once('exit', (code) => { code === 0 ? resolve() : reject(new Error(`node ${args.join(' ')} exited with ${code}`)) })
  })
  return performance.now() - t0
}

async function run (): Promise<BenchRow[]> {
  const suite = 'startup'
  const modelPath = await benchModelPath()
  const h = new Harness()
  try {
    const founder = await h.start(await h.found('bench', 'founder', { inProcess: true }))
    const bare: number[] = []
    const version: number[] = []
    for (let i = 0; i < RUNS; i++) bare.push(await processRun(['-e', '0']))
    for (let i = 0; i < RUNS; i++) version.push(await processRun([CLI_BIN, '--version']))
    const withModel = await startToReady(h, founder, async (home) => { await h.ok(home, ['models', 'add', modelPath, '--name', 'bench'], { inProcess: true }) }, RUNS)
    const without = await startToReady(h, founder, undefined, RUNS)
    const uncached = await startToReady(h, founder, undefined, RUNS, { env: { NODE_DISABLE_COMPILE_CACHE: '1' } })
    const ready = percentile(without.ready, 50)
    const floor = percentile(bare, 50)
    return [
      { suite, name: `bare node process start to exit, median of ${RUNS}`, value: floor, unit: 'ms' },
      { suite, name: `start to ready, one model registered (llama.cpp loaded at start), median of ${RUNS}`, value: percentile(withModel.ready, 50), unit: 'ms', baseline: { name: 'bare node', value: floor } },
      { suite, name: `start to ready, no model (llama.cpp not loaded), median of ${RUNS}`, value: ready, unit: 'ms', baseline: { name: 'one model', value: percentile(withModel.ready, 50) }, target: `<= ${TARGET_MS} ms`, met: ready <= TARGET_MS },
      { suite, name: `start to listening, no model, median of ${RUNS}`, value: percentile(without.listening, 50), unit: 'ms', baseline: { name: 'bare node', value: floor } },
      { suite, name: `start to ready, no model, compile cache off, median of ${RUNS}`, value: percentile(uncached.ready, 50), unit: 'ms', baseline: { name: 'cache on', value: ready } },
      { suite, name: `mycel --version, median of ${RUNS}`, value: percentile(version, 50), unit: 'ms', baseline: { name: 'bare node', value: floor } }
    ]
  } finally {
    await h.cleanup()
  }
}

export const startup: BenchSuite = { name: 'startup', run }
