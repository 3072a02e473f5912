/**
 * `npm run bench`: runs every suite (or those named on the command line) and
 * prints one table. Reproduce with `npm run bench [-- SUITE...]`.
 */
import { renderTable, type BenchRow, type BenchSuite } from './table.ts'
import { suites as allSuites } from './suites.ts'

const wanted = process.argv.slice(2)
const suites: BenchSuite[] = wanted.length > 0 ? allSuites.filter(s => wanted.includes(s.name)) : allSuites
const rows: BenchRow[] = []
for (const suite of suites) {
  process.stderr.write(`bench: ${suite.name}...\n`)
  rows.push(...await suite.run())
}
process.stdout.write(renderTable(rows) + '\n')
