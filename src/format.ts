/**
 * All number, percent, p-value and markdown-escaping formatting of the report, in one place: the
 * report's sections and the gate's reasons use these, so "4.1%" is written one way everywhere.
 */
import { METRIC_IDS, METRICS } from './metrics.js'
import type { Comparison, ComparisonKind, MetricName } from './types.js'

export const METRIC_NAME = Object.fromEntries(METRIC_IDS.map((id) => [id, METRICS[id].short])) as Record<
  MetricName,
  string
>
export const KIND_NAME: Record<ComparisonKind, string> = {
  overhead: 'overhead',
  regression: 'regression',
  'overhead-change': 'overhead change',
  instrumentation: 'instrumentation (off vs none)',
  export: 'export'
}

/** Escape text from outside (service names, branch names, log lines) for a markdown table cell or line. */
export function escapeMarkdown(text: string): string {
  // One pass, so no replacement is itself re-escaped. '@' and '#digit' are neutralised too: text from
  // outside (a service log, a branch name) must not @mention people or link issues.
  return neutraliseComments(text)
    .replace(/[\\`*_[\]<>|~&@]|#(?=\d)/g, (c) =>
      c === '&' ? '&amp;' : c === '@' ? '&#64;' : c === '#' ? '&#35;' : `\\${c}`
    )
    .replace(/^([#+\-=])/, '\\$1')
    .replace(/^(\d+)\./, '$1\\.')
    .replace(/\r?\n/g, ' ')
}

/**
 * Text with HTML comment delimiters broken (`<!--` → `<! --`, `-->` → `-- >`), so that no embedded
 * text (a service log line, a branch name, a field of a PR-built artifact) can open, close or forge a
 * hidden comment such as the sticky comment's marker. Code spans and blocks show them literally,
 * but the marker is matched on the raw body.
 */
export function neutraliseComments(text: string): string {
  return text.replace(/<!--/g, '<! --').replace(/--(?=>)/g, '-- ')
}

/** An inline code span that no content can close early (backslashes do not escape inside code spans). */
export function codeSpan(text: string): string {
  const flat = neutraliseComments(text.replace(/\r?\n/g, ' '))
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length))
  const ticks = '`'.repeat(longest + 1)
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${flat}${pad}${ticks}`
}

/** A fenced code block that no content can close early: the fence is longer than any backtick run inside. */
export function codeBlock(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}text\n${neutraliseComments(text.replace(/\r/g, ''))}\n${fence}`
}

/** 0.0412 → "4.1%"; signed adds "+" for positive values. */
export function fmtPct(x: number, opts: { signed?: boolean; digits?: number } = {}): string {
  if (!Number.isFinite(x)) return 'n/a'
  const s = (x * 100).toFixed(opts.digits ?? 1)
  return `${opts.signed && x > 0 ? '+' : ''}${s === '-0.0' ? '0.0' : s}%`
}

/** Microseconds as milliseconds with two decimals. */
export function fmtMs(us: number): string {
  return Number.isFinite(us) ? (us / 1000).toFixed(2) : 'n/a'
}

export function fmtP(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return 'n/a'
  return p < 0.001 ? '<0.001' : p.toFixed(3)
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'
}

export function fmtBytes(bytesPerSec: number): string {
  if (bytesPerSec <= 0) return '0'
  if (bytesPerSec >= 1e6) return `${(bytesPerSec / 1e6).toFixed(2)} MB/s`
  return `${(bytesPerSec / 1e3).toFixed(1)} kB/s`
}

export function fmtMBh(mb: number): string {
  if (mb <= 0) return '0'
  return mb >= 1000 ? `${(mb / 1000).toFixed(2)} GB/h` : `${mb.toFixed(1)} MB/h`
}

/**
 * Display range of an interval end: an overhead below −100 % (QPS more than doubled) or above
 * +1000 % says nothing more precise to a reader than "beyond"; the exact value (even ±∞ of an
 * interval too short for its level) stays in results.json.
 */
export const DISPLAY_MIN = -1
export const DISPLAY_MAX = 10

/** One end of an interval for the report: clamped to [DISPLAY_MIN, DISPLAY_MAX] as "< −100.0%" / "> +1000.0%". */
export function fmtBound(x: number, signed = true): string {
  if (Number.isNaN(x)) return 'n/a'
  if (x < DISPLAY_MIN) return `< ${fmtPct(DISPLAY_MIN, { signed })}`
  if (x > DISPLAY_MAX) return `> ${fmtPct(DISPLAY_MAX, { signed })}`
  return fmtPct(x, { signed })
}

export function ciText(c: Comparison): string {
  if (Number.isNaN(c.ciLow) || Number.isNaN(c.ciHigh)) return 'n/a'
  return `${fmtBound(c.ciLow)} … ${fmtBound(c.ciHigh)}`
}

/** "±x%" when the interval is roughly symmetric around the estimate, else the interval itself. */
export function uncertainty(c: Comparison): string {
  if (!Number.isFinite(c.ciLow)) return 'no interval'
  const up = c.ciHigh - c.overhead
  const down = c.overhead - c.ciLow
  if (Math.abs(up - down) <= 0.25 * (c.ciHigh - c.ciLow)) return `±${((c.ciHigh - c.ciLow) * 50).toFixed(1)}%`
  return `${Math.round(c.confidence * 100)}% CI ${ciText(c)}`
}

export function decisionText(c: Comparison): string {
  if (c.decision === null) return 'reported'
  const budget = `${fmtPct(c.budget as number)} budget`
  switch (c.decision) {
    case 'fail':
      return `❌ fail (> ${budget})`
    case 'pass':
      return `✅ pass (≤ ${budget})`
    default:
      return `⚠️ inconclusive (${budget})`
  }
}

/** "~" when the difference is not significant at the report's level, as benchstat does. */
export function significance(c: Comparison): string {
  if (!Number.isFinite(c.pValue)) return ''
  return c.pValue < 1 - c.confidence ? '' : ' ~'
}

/** One sentence per traced arm: "tracing at 1% costs 4.1% QPS (±1.2%), P99 +2.3 ms". */

/** A confidence level as a percentage without float noise: 0.95 → "95%", 0.97734 → "97.73%". */
export function fmtConfidence(c: number): string {
  return `${Number((c * 100).toFixed(2))}%`
}

/** A p-value or level for sentences: "0.004", "<0.0001", "n/a". */
export function fmtPValue(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return 'n/a'
  if (p < 0.0001) return '<0.0001'
  return p < 0.01 ? p.toFixed(4) : p.toFixed(3)
}
