// Charts over time from GET /api/series: the load each member reports, the
// tokens per second this node generates, and the latency of tasks as they
// finish. Drawn with uPlot (served from the node, no CDN); each chart also
// says its latest and peak value in words, for readers and for tests.
import uPlot from '../vendor/uplot.js'
import { api } from '../lib/api.js'
import { $, el } from '../lib/dom.js'
import { nameOf } from '../lib/state.js'

/** Samples kept in the page: the node keeps an hour, the charts show the last half. */
const MAX_SAMPLES = 900
const HEIGHT = 170
const PALETTE = ['#2f6f4f', '#3b6fb6', '#b5562b', '#8a4fb0', '#9a6700', '#2b8a8a', '#b3261e', '#5f6b2f']

let samples = []
let since = 0
const charts = new Map()

function color (name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888' }

function axes () {
  const stroke = color('--muted')
  const grid = { stroke: color('--line'), width: 1 }
  return [{ stroke, grid, ticks: grid }, { stroke, grid, ticks: grid, size: 48 }]
}

/** Draws (or redraws) one chart; rebuilds it when its series change (a member joins, a name arrives). */
function draw (id, key, series, data, opts = {}) {
  const box = $(id).querySelector('.plot')
  const width = Math.max(200, box.clientWidth)
  let c = charts.get(id)
  if (c == null || c.key !== key) {
    c?.plot.destroy()
    const plot = new uPlot({ width, height: HEIGHT, series: [{}, ...series], axes: axes(), scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(opts.minMax ?? 1, max * 1.1)] } }, legend: { live: false }, cursor: { drag: { x: false, y: false } } }, data, box)
    c = { key, plot }
    charts.set(id, c)
    new ResizeObserver(() => { const w = Math.max(200, box.clientWidth); if (w !== c.plot.width) c.plot.setSize({ width: w, height: HEIGHT }) }).observe(box)
  } else {
    c.plot.setData(data)
  }
}

function caption (id, text, peak) {
  const fig = $(id)
  fig.querySelector('figcaption .now').textContent = text
  fig.dataset.samples = String(samples.length)
  fig.dataset.peak = String(peak)
}

function peakOf (values) { return values.reduce((m, v) => v != null && v > m ? v : m, 0) }

export async function refreshCharts () {
  const r = await api(`/api/series?since=${since}`)
  if (r.samples.length > 0) {
    samples.push(...r.samples)
    since = samples[samples.length - 1].t
    if (samples.length > MAX_SAMPLES) samples = samples.slice(-MAX_SAMPLES)
  }
  const x = samples.map(s => s.t / 1000)
  const last = samples[samples.length - 1]

  // load: one line per member, this node first
  const members = [r.self, ...new Set(samples.flatMap(s => Object.keys(s.load)).filter(p => p !== r.self))]
  const loads = members.map(p => samples.map(s => s.load[p] ?? null))
  draw('chart-load', JSON.stringify(members.map(p => [p, nameOf(p)])),
    members.map((p, i) => ({ label: nameOf(p), stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true })),
    [x, ...loads], { minMax: 2 })
  caption('chart-load', last == null ? 'no samples yet' : `now: ${members.map(p => `${nameOf(p)} ${last.load[p] ?? 0}`).join(', ')}`, Math.max(0, ...loads.map(peakOf)))

  const tps = samples.map(s => s.tokensPerSecond)
  draw('chart-tokens', 'tokens', [{ label: 'tokens/s', stroke: PALETTE[1], fill: 'rgba(59,111,182,.15)', width: 2 }], [x, tps])
  caption('chart-tokens', last == null ? 'no samples yet' : `now ${last.tokensPerSecond} tokens/s · peak ${peakOf(tps)} tokens/s`, peakOf(tps))

  const mean = samples.map(s => s.latencyMs)
  const max = samples.map(s => s.latencyMaxMs)
  draw('chart-latency', 'latency', [
    { label: 'mean ms', stroke: PALETTE[0], width: 2, points: { show: true } },
    { label: 'slowest ms', stroke: PALETTE[2], width: 1, dash: [4, 4], points: { show: true } }
  ], [x, mean, max])
  const lastTask = [...samples].reverse().find(s => s.latencyMs != null)
  const tasks = samples.reduce((n, s) => n + s.tasks, 0)
  caption('chart-latency', lastTask == null ? 'no finished tasks yet' : `${tasks} task${tasks === 1 ? '' : 's'} finished · latest mean ${lastTask.latencyMs} ms · slowest ${peakOf(max)} ms`, peakOf(max))
}

/** The three figures, built once. */
export function setupCharts () {
  const fig = (id, title) => el('figure', { id, class: 'chart' }, el('figcaption', {}, el('strong', {}, title), ' ', el('span', { class: 'now muted' }, '…')), el('div', { class: 'plot' }))
  $('charts').replaceChildren(
    fig('chart-load', 'Load per member (running + queued)'),
    fig('chart-tokens', 'Tokens per second (this node)'),
    fig('chart-latency', 'Task latency'))
}
