/** The benchmark suites `npm run bench` runs, in order. Add a suite by adding one line. */
import type { BenchSuite } from './table.ts'

export const suites: BenchSuite[] = [
]
