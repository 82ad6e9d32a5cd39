/**
 * Mermaid `xychart-beta` pictures of the per-arm medians, which GitHub renders in comments and job
 * summaries. Pure. The tables stay next to them: a chart is not readable by a screen reader.
 *
 * One chart per metric, because an xychart has a single y-axis and no legend: QPS and P99 (and CPU
 * per request) have different units, and a bar+line mix without a legend would be guesswork.
 */
import { BASE_PREFIX } from '../plan/plan.js'
import type { ArmSummary } from '../results/summary.js'

/** Longest x-axis label; longer ones are cut with an ellipsis (the tables carry the full names). */
const MAX_LABEL = 24

/** Size of each chart in px (mermaid's default 700×500 is too tall for a PR comment). */
const CHART_WIDTH = 640
const CHART_HEIGHT = 260

/**
 * An x-axis label for an arm: `off`, `1%`, `100%`, `base off`, `base 1%`, or a custom arm's id.
 * Inside mermaid quotes nothing can be escaped, so quotes become apostrophes, backticks (which could
 * close the markdown fence) and control characters are replaced.
 */
export function armChartLabel(s: Pick<ArmSummary, 'armId' | 'samplingRate'>): string {
  const isBase = s.armId.startsWith(BASE_PREFIX)
  const own = isBase ? s.armId.slice(BASE_PREFIX.length) : s.armId
  const core = s.samplingRate !== null ? `${Number((s.samplingRate * 100).toPrecision(6))}%` : own
  return chartText(isBase ? `base ${core}` : core, MAX_LABEL)
}

/** Text safe inside a mermaid double-quoted string within a ``` fence, cut to `maxChars` code points. */
export function chartText(text: string, maxChars = Infinity): string {
  const flat = text
    .replace(/["`]/g, "'")
    // eslint-disable-next-line no-control-regex -- control characters are what this strips
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  // Array.from: cut on code points, not in the middle of a surrogate pair.
  const chars = Array.from(flat)
  return chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join('')}…` : flat
}

/** The smallest 1/2/5 × 10^k at or above `x` (an axis maximum a reader can take in). */
export function niceCeiling(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x * (1 - 1e-12)) return Number((m * p).toPrecision(12))
  return 10 * p
}

/** A number for the mermaid data list: fixed decimals, never exponent notation. */
function num(x: number, digits: number): string {
  const s = x.toFixed(digits)
  // Trailing zeros carry nothing in a data list; keep it short.
  return digits > 0 ? s.replace(/\.?0+$/, '') : s
}

/** One xychart-beta bar chart in a ```mermaid fence; the y-axis starts at 0 so bar heights compare honestly. */
export function barChart(title: string, yTitle: string, labels: string[], values: number[], digits: number): string {
  if (labels.length !== values.length)
    throw new Error(`chart '${title}': ${labels.length} labels but ${values.length} values`)
  const top = niceCeiling(Math.max(...values) * 1.1)
  return [
    '```mermaid',
    // showDataLabel: the value on each bar, so the picture can be read without the axis.
    `%%{init: {"xyChart": {"width": ${CHART_WIDTH}, "height": ${CHART_HEIGHT}, "showDataLabel": true}}}%%`,
    'xychart-beta',
    `    title "${chartText(title)}"`,
    `    x-axis [${labels.map((l) => `"${l}"`).join(', ')}]`,
    `    y-axis "${chartText(yTitle)}" 0 --> ${num(top, 6)}`,
    `    bar [${values.map((v) => num(v, digits)).join(', ')}]`,
    '```'
  ].join('\n')
}

/**
 * Charts of the per-arm medians: QPS, P99 (ms), and CPU-seconds per 1,000 requests when every arm
 * has CPU data. Empty string when there is nothing finite to draw.
 */
export function renderChart(summaries: readonly ArmSummary[]): string {
  const arms = summaries.filter((s) => Number.isFinite(s.qps) && Number.isFinite(s.p99Us) && s.qps > 0)
  if (arms.length === 0) return ''
  const labels = arms.map(armChartLabel)
  const charts = [
    barChart(
      'QPS, median per arm (higher is better)',
      'requests/s',
      labels,
      arms.map((s) => s.qps),
      0
    ),
    barChart(
      'P99 latency, median per arm (lower is better)',
      'ms',
      labels,
      arms.map((s) => s.p99Us / 1000),
      2
    )
  ]
  const cpu = arms.map((s) => s.resources?.cpuSecPerKReq)
  if (cpu.every((v): v is number => v !== undefined && Number.isFinite(v) && v > 0)) {
    charts.push(barChart('CPU-seconds per 1,000 requests (lower is better)', 'CPU-s / 1k req', labels, cpu, 4))
  }
  return charts.join('\n\n')
}
