/**
 * With `MYCEL_BENCH_SCALE_PROFILE=DIR`, a CPU profile of a scale bench
 * process's rest window goes to `DIR/NAME.cpuprofile` (open it in Chrome
 * DevTools, or sum it by function): how docs/benchmarks.md found what a
 * resting member spends its CPU on.
 */
import { Session } from 'node:inspector/promises'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Starts profiling when asked to; the function it returns stops and writes the profile. */
export async function startProfile (name: string): Promise<(() => Promise<void>) | undefined> {
  const dir = process.env.MYCEL_BENCH_SCALE_PROFILE
  if (dir == null || dir === '') return undefined
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return async () => {
    const { profile } = await session.post('Profiler.stop')
    session.disconnect()
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile))
  }
}
