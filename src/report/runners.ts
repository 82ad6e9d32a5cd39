/**
 * `mode: merge`: which runners the pooled blocks came from, and the between-runner spread of each
 * gated comparison (its runner × arm interaction) with the factor it widened the interval by.
 */
import { markdownTable } from 'markdown-table'
import { metricSpec } from '../metrics.js'
import type { MergedRun } from '../results/measured.js'
import type { Comparison } from '../types.js'
import { codeSpan, escapeMarkdown, fmtPct, fmtPValue } from '../format.js'

/** A runner mean log-ratio as an overhead (positive = worse), as the comparison's overhead is signed. */
function overheadOf(c: Comparison, logRatio: number): number {
  return metricSpec(c.metric).lowerIsBetter ? Math.expm1(logRatio) : -Math.expm1(logRatio)
}

function spreadCell(c: Comparison): string {
  const r = c.runners!
  if (r.blocks.length < 2) return 'one runner'
  if (!Number.isFinite(r.tau)) return 'not estimated (a runner without spread in its blocks)'
  const p = `Q p = ${fmtPValue(r.pHeterogeneity)}`
  return r.tau > 0 ? `±${fmtPct(r.tau)} (${p})` : `none beyond the blocks' noise (${p})`
}

/** The section: runners with their blocks, then per gated (else every paired primary) comparison the spread. */
export function runnersSection(runs: readonly MergedRun[] | undefined, comparisons: readonly Comparison[]): string[] {
  if (runs === undefined || runs.length === 0) return []
  const out = [
    `#### Runners (merged: ${runs.length} run${runs.length === 1 ? '' : 's'}, ` +
      `${runs.reduce((a, r) => a + r.blocks, 0)} blocks)`,
    '',
    markdownTable([
      ['Runner', 'Blocks', 'Merged blocks', 'Seed', 'Run id', 'File'],
      ...runs.map((r, i) => [
        `${i + 1}: ${escapeMarkdown(r.runner)}`,
        String(r.blocks),
        `${r.firstBlock + 1}–${r.firstBlock + r.blocks}`,
        r.seed === null ? '—' : String(r.seed),
        codeSpan(r.runId.slice(0, 8)),
        codeSpan(r.file)
      ])
    ]),
    ''
  ]
  const gated = comparisons.filter((c) => c.runners !== undefined && c.budget !== null)
  const shown = gated.length > 0 ? gated : comparisons.filter((c) => c.runners !== undefined && c.phase === undefined)
  if (shown.length === 0) return out
  out.push(
    markdownTable([
      ['Comparison', 'Per runner', 'Between-runner spread', 'Interval widened ×'],
      ...shown.map((c) => [
        `${escapeMarkdown(c.metric)} ${escapeMarkdown(c.armId)} vs ${escapeMarkdown(c.referenceArmId)}` +
          (c.phase === undefined ? '' : ` (${escapeMarkdown(c.phase)})`),
        c
          .runners!.means.map((m) => (Number.isFinite(m) ? fmtPct(overheadOf(c, m), { signed: true }) : '—'))
          .join(' · '),
        spreadCell(c),
        c.runners!.widening.toFixed(2)
      ])
    ]),
    '',
    'Blocks of every runner are pooled with the runner as a blocking factor: each block pairs its arms on one ' +
      'runner, so a runner that is faster or slower on every arm cancels. A runner × arm interaction (tracing ' +
      'costing more on one runner) shows as a between-runner spread of the per-runner overheads beyond what ' +
      "their blocks' noise explains; when there is one, it is added to the pooled estimate's variance and the " +
      'interval is widened by the factor shown.',
    ''
  )
  return out
}
