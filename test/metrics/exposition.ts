/**
 * Prometheus' text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format)
 * read by a real parser, `parse-prometheus-text-format` (a port of the
 * Prometheus Python client's), which checks the line grammar, names and
 * label escapes, and throws on a line it cannot read.
 *
 * Two gaps of that parser are covered here. It folds every series of a
 * histogram or summary into one, dropping their labels, `_sum` and `_count`
 * (it only handles unlabelled ones), so those families are handed to it as
 * untyped and their `_bucket`/`_sum`/`_count` samples put back together
 * here. And it is lenient where a scraper is not, so these are checked on
 * top: the final newline, one TYPE line for every family, numeric values,
 * no series twice (it keeps the last silently), and histograms whose buckets
 * count up to a `+Inf` bucket equal to `_count`.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

export interface Sample { name: string, labels: Record<string, string>, value: number }
export interface Family { name: string, type: string, help: string, samples: Sample[] }

const VALUE = /^([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]Inf|NaN)$/
const TYPE_LINE = /^# TYPE (\S+) (\S+)$/gm
const SUFFIXES = ['_bucket', '_sum', '_count']

function value (raw: string | undefined, where: string): number {
  if (raw == null || !VALUE.test(raw)) throw new Error(`${where}: bad value ${String(raw)}`)
  return raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw)
}

export function parseExposition (text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a newline')
  const types = new Map<string, string>()
  for (const [, name = '', type = ''] of text.matchAll(TYPE_LINE)) {
    if (types.has(name)) throw new Error(`${name}: a second TYPE line`)
    types.set(name, type)
  }
  const families = new Map<string, Family>()
  let samples = 0
  for (const raw of parsePrometheusTextFormat(text.replace(TYPE_LINE, (line, name: string, type: string) => type === 'histogram' || type === 'summary' ? `# TYPE ${name} untyped` : line))) {
    const base = SUFFIXES.filter(s => raw.name.endsWith(s)).map(s => raw.name.slice(0, -s.length)).find(b => types.get(b) === 'histogram' || types.get(b) === 'summary')
    const name = base ?? raw.name
    const type = types.get(name)
    if (type == null) throw new Error(`${raw.name}: samples without a TYPE line`)
    const family = families.get(name) ?? { name, type, help: '', samples: [] }
    if (base == null) family.help = raw.help
    family.samples.push(...raw.metrics.map(m => ({ name: raw.name, labels: m.labels ?? {}, value: value(m.value, raw.name) })))
    families.set(name, family)
    samples += raw.metrics.length
  }
  // the parser folds a repeated series into one: every sample line must be one sample
  if (samples !== text.split('\n').filter(l => l.trim() !== '' && !l.startsWith('#')).length) throw new Error('a series appears twice')
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f)
  return families
}

/** Per label set: `_sum`, `_count`, and buckets whose counts never decrease up to `+Inf`, which equals `_count`. */
function checkHistogram (f: Family): void {
  const series = new Map<string, Sample[]>()
  for (const s of f.samples) {
    const key = JSON.stringify(Object.entries(s.labels).filter(([k]) => k !== 'le').sort())
    series.set(key, [...series.get(key) ?? [], s])
  }
  for (const [key, list] of series) {
    const count = list.find(s => s.name === `${f.name}_count`)
    if (count == null || list.find(s => s.name === `${f.name}_sum`) == null) throw new Error(`${f.name}${key}: _sum or _count missing`)
    const buckets = list.filter(s => s.name === `${f.name}_bucket`).map(s => ({ bound: value(s.labels.le, `${f.name} le`), n: s.value })).sort((a, b) => a.bound - b.bound)
    let n = 0
    for (const b of buckets) {
      if (b.n < n) throw new Error(`${f.name}${key}: bucket counts decrease`)
      n = b.n
    }
    if (buckets.at(-1)?.bound !== Infinity || n !== count.value) throw new Error(`${f.name}${key}: the +Inf bucket must exist and equal _count`)
  }
}

/** The value of one sample, 0 when the series does not exist yet (a counter before its first event). */
export function sampleValue (families: Map<string, Family>, name: string, labels: Record<string, string>): number {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value
    }
  }
  return 0
}
