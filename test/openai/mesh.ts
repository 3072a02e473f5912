/**
 * A small mesh for the tests of the doors (OpenAI API, MCP, dashboard):
 * `alpha` founds the org and serves the generated tiny model; the others
 * join without a model, so their requests really route over the mesh.
 */
import { join } from 'node:path'
import { makeTestModel } from '../../scripts/make-test-model.ts'
import type { Harness, MycelProcess } from '../helpers/harness.ts'
import { waitFor } from '../helpers/wait.ts'

export const MODEL = 'tiny'

export interface TestMesh {
  /** The founder, which serves the model. */
  alpha: MycelProcess
  /** The joiners, without models, in order (beta, gamma, ...). */
  others: MycelProcess[]
}

const NAMES = ['beta', 'gamma', 'delta']

/** `beforeStart` edits alpha's home (its policy, say) before alpha starts. */
export async function modelMesh (h: Harness, joiners = 1, opts: { beforeStart?: (alphaHome: string) => Promise<void> } = {}): Promise<TestMesh> {
  const dir = await h.tempDir('mycel-doors-')
  const modelPath = join(dir, 'tiny.gguf')
  const [alphaHome] = await Promise.all([h.found('acme', 'alpha'), makeTestModel({ out: modelPath, size: 'tiny', seed: 42 })])
  await h.ok(alphaHome, ['models', 'add', modelPath, '--name', MODEL])
  await opts.beforeStart?.(alphaHome)
  const alpha = await h.start(alphaHome)
  const invites = await Promise.all(NAMES.slice(0, joiners).map(async () => await h.invite(alpha)))
  const homes = await Promise.all(invites.map(async (inv, i) => await h.join(inv, NAMES[i] as string)))
  const others = await Promise.all(homes.map(async home => await h.start(home)))
  // every node holds verified cards of all (alpha's with the model)
  await Promise.all([alpha, ...others].map(async n => await waitFor(async () => {
    const caps = await n.caps()
    return caps.length === joiners + 1 && caps.some(c => c.name === 'alpha' && (c.models as Array<{ name: string }>).some(m => m.name === MODEL))
  }, { what: `cards of all ${joiners + 1} members at ${n.home}`, timeoutMs: 60_000 })))
  return { alpha, others }
}
