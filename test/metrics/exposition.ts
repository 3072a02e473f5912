/**
 * A strict reader of Prometheus' text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format),
 * for tests: it throws on anything the format does not allow, rather than
 * skipping it, so a test that parses `/metrics` proves a scraper would too.
 * Checked: line grammar, metric and label names, label value escapes,
 * sample values, one HELP and one TYPE per family before its samples,
 * sample names that belong to their family's type, and histogram buckets
 * (`le` ascending, counts not decreasing, `+Inf` equal to `_count`).
 */

export interface Sample { name: string, labels: Record<string, string>, value: number }
export interface Family { name: string, type: string, help: string, samples: Sample[] }

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

export function parseExposition (text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a newline')
  const families = new Map<string, Family>()
  const seenSamples = new Set<string>()
  const lines = text.split('\n')
  lines.pop()
  lines.forEach((line, i) => {
    const at = `line ${i + 1}`
    if (line.trim() === '') return
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line)
      if (m == null) return // a plain comment
      const [, what, name = '', rest = ''] = m
      if (!METRIC_NAME.test(name)) throw new Error(`${at}: bad metric name ${name}`)
      const family = families.get(name) ?? { name, type: '', help: '', samples: [] }
      families.set(name, family)
      if (family.samples.length > 0) throw new Error(`${at}: ${what} of ${name} after its samples`)
      if (what === 'TYPE') {
        if (family.type !== '') throw new Error(`${at}: second TYPE for ${name}`)
        if (!TYPES.has(rest)) throw new Error(`${at}: unknown type ${rest}`)
        family.type = rest
      } else {
        if (family.help !== '') throw new Error(`${at}: second HELP for ${name}`)
        family.help = unescape(rest, false, at)
      }
      return
    }
    const sample = parseSample(line, at)
    const key = sample.name + JSON.stringify(Object.entries(sample.labels).sort())
    if (seenSamples.has(key)) throw new Error(`${at}: duplicate sample ${key}`)
    seenSamples.add(key)
    const family = familyOf(families, sample.name)
    if (family == null) throw new Error(`${at}: sample ${sample.name} has no TYPE line`)
    family.samples.push(sample)
  })
  for (const f of families.values()) {
    if (f.type === '') throw new Error(`${f.name}: HELP without TYPE`)
    if (f.type === 'histogram') checkHistogram(f)
  }
  return families
}

/** The family a sample name belongs to, by its type's suffixes. */
function familyOf (families: Map<string, Family>, name: string): Family | undefined {
  const exact = families.get(name)
  if (exact != null && exact.type !== 'histogram' && exact.type !== 'summary') return exact
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue
    const f = families.get(name.slice(0, -suffix.length))
    if (f != null && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f
  }
  return exact?.type === 'summary' ? exact : undefined
}

function parseSample (line: string, at: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)(?: (-?\d+))?$/.exec(line)
  if (m == null) throw new Error(`${at}: not a sample line: ${line}`)
  const [, name = '', rawLabels, rawValue = ''] = m
  return { name, labels: rawLabels == null ? {} : parseLabels(rawLabels, at), value: parseValue(rawValue, at) }
}

function parseLabels (raw: string, at: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let rest = raw.slice(1, -1)
  while (rest !== '') {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"(,?)/.exec(rest)
    if (m == null) throw new Error(`${at}: bad labels ${raw}`)
    const [whole, name = '', value = '', comma] = m
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`${at}: bad label name ${name}`)
    if (Object.hasOwn(labels, name)) throw new Error(`${at}: label ${name} twice`)
    labels[name] = unescape(value, true, at)
    rest = rest.slice(whole.length)
    if (comma === '' && rest !== '') throw new Error(`${at}: labels not separated by commas`)
  }
  return labels
}

function unescape (s: string, quotes: boolean, at: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => {
    if (c === '\\') return '\\'
    if (c === 'n') return '\n'
    if (c === '"' && quotes) return '"'
    throw new Error(`${at}: bad escape \\${c}`)
  })
}

function parseValue (raw: string, at: string): number {
  if (raw === '+Inf') return Infinity
  if (raw === '-Inf') return -Infinity
  if (raw === 'NaN') return NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`${at}: bad value ${raw}`)
  return Number(raw)
}

function checkHistogram (f: Family): void {
  const series = new Map<string, Sample[]>()
  const keyOf = (s: Sample): string => JSON.stringify(Object.entries(s.labels).filter(([k]) => k !== 'le').sort())
  for (const s of f.samples) {
    const k = keyOf(s)
    series.set(k, [...series.get(k) ?? [], s])
  }
  for (const [k, samples] of series) {
    const buckets = samples.filter(s => s.name === `${f.name}_bucket`)
    const count = samples.find(s => s.name === `${f.name}_count`)
    if (samples.find(s => s.name === `${f.name}_sum`) == null || count == null) throw new Error(`${f.name}${k}: _sum or _count missing`)
    let le = -Infinity
    let n = 0
    for (const b of buckets) {
      const bound = parseValue(b.labels.le ?? '', `${f.name} le`)
      if (!(bound > le) || b.value < n) throw new Error(`${f.name}${k}: buckets out of order`)
      le = bound
      n = b.value
    }
    if (le !== Infinity || n !== count.value) throw new Error(`${f.name}${k}: the +Inf bucket must exist and equal _count`)
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
