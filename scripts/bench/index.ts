/**
 * `npm run bench`: runs every suite (or those named on the command line) and
 * prints one table. Reproduce with `npm run bench [-- SUITE...] [--json]`;
 * `--json` prints the rows as JSON instead, for scripts and CI dashboards.
 */
import { renderTable, toJsonRows, type BenchRow, type BenchSuite } from './table.ts'
import { suites as allSuites } from './suites.ts'

const args = process.argv.slice(2)
const json = args.includes('--json')
const wanted = args.filter(a => a !== '--json')
const unknown = wanted.filter(w => !allSuites.some(s => s.name === w))
if (unknown.length > 0 || wanted.some(w => w.startsWith('-'))) {
  process.stderr.write(`bench: unknown suite ${unknown.join(', ')}; the suites are ${allSuites.map(s => s.name).join(', ')} (and --json)\n`)
  process.exit(2)
}
const suites: BenchSuite[] = wanted.length > 0 ? allSuites.filter(s => wanted.includes(s.name)) : allSuites
const rows: BenchRow[] = []
for (const suite of suites) {
  process.stderr.write(`bench: ${suite.name}...\n`)
  rows.push(...await suite.run())
}
process.stdout.write((json ? JSON.stringify(toJsonRows(rows), null, 2) : renderTable(rows)) + '\n')
