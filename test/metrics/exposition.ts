/**
 * Prometheus' text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format)
 * read by a real parser, `parse-prometheus-text-format` (a port of the
 * Prometheus Python client's), which checks the line grammar, names and
 * label escapes. That parser is lenient where a scraper is not, so these are
 * checked on top and thrown on: the final newline, a TYPE line for every
 * family and only one, numeric sample values, no series twice (the parser
 * keeps the last silently), and histograms whose buckets count up to a
 * `+Inf` bucket equal to `_count`.
 */
import parsePrometheusTextFormat, { type ParsedFamily, type ParsedMetric } from 'parse-prometheus-text-format'

export interface Sample { name: string, labels: Record<string, string>, value: number }
export interface Family { name: string, type: string, help: string, samples: Sample[] }

const VALUE = /^([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]Inf|NaN)$/

function value (raw: string | undefined, where: string): number {
  if (raw == null || !VALUE.test(raw)) throw new Error(`${where}: bad value ${String(raw)}`)
  return raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw)
}

/** The family's samples as the text has them: a histogram's as `_bucket`, `_sum` and `_count` lines. */
function samplesOf (f: ParsedFamily, m: ParsedMetric): Sample[] {
  const labels = m.labels ?? {}
  if (f.type !== 'HISTOGRAM' && f.type !== 'SUMMARY') return [{ name: f.name, labels, value: value(m.value, f.name) }]
  const out: Sample[] = []
  if (f.type === 'HISTOGRAM') {
    const buckets = Object.entries(m.buckets ?? {}).map(([le, v]) => ({ le, bound: value(le, `${f.name} le`), n: value(v, f.name) })).sort((a, b) => a.bound - b.bound)
    let n = 0
    for (const b of buckets) {
      if (b.n < n) throw new Error(`${f.name}${JSON.stringify(labels)}: bucket counts decrease`)
      n = b.n
      out.push({ name: `${f.name}_bucket`, labels: { ...labels, le: b.le }, value: b.n })
    }
    if (buckets.at(-1)?.bound !== Infinity || n !== value(m.count, f.name)) throw new Error(`${f.name}${JSON.stringify(labels)}: the +Inf bucket must exist and equal _count`)
  } else {
    for (const [q, v] of Object.entries(m.quantiles ?? {})) out.push({ name: f.name, labels: { ...labels, quantile: q }, value: value(v, f.name) })
  }
  if (m.sum == null || m.count == null) throw new Error(`${f.name}${JSON.stringify(labels)}: _sum or _count missing`)
  out.push({ name: `${f.name}_sum`, labels, value: value(m.sum, f.name) }, { name: `${f.name}_count`, labels, value: value(m.count, f.name) })
  return out
}

export function parseExposition (text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a newline')
  const lines = text.split('\n').filter(l => l.trim() !== '')
  const typeLines = lines.filter(l => l.startsWith('# TYPE '))
  if (new Set(typeLines.map(l => l.split(' ')[2])).size !== typeLines.length) throw new Error('a family has a second TYPE line')
  const families = new Map<string, Family>()
  let samples = 0
  for (const f of parsePrometheusTextFormat(text)) {
    if (f.type === 'UNTYPED' && !typeLines.some(l => l.split(' ')[2] === f.name)) throw new Error(`${f.name}: samples without a TYPE line`)
    if (families.has(f.name)) throw new Error(`${f.name}: family split in two`)
    const family: Family = { name: f.name, type: f.type.toLowerCase(), help: f.help, samples: f.metrics.flatMap(m => samplesOf(f, m)) }
    families.set(f.name, family)
    samples += family.samples.length
  }
  // the parser folds a repeated series into one: every sample line must be one sample
  if (samples !== lines.filter(l => !l.startsWith('#')).length) throw new Error('a series appears twice')
  return families
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
