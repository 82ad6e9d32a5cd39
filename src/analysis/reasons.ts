/** The gate's reasons: one line per gated comparison, in words and with the numbers a reviewer checks. */
import { metricSpec } from '../metrics.js'
import { fmtBound, fmtConfidence, fmtPct, fmtPValue } from '../format.js'
import type { Comparison } from '../types.js'

const KIND_WORDS: Record<Comparison['kind'], string> = {
  overhead: 'overhead',
  regression: 'regression',
  'overhead-change': 'overhead change',
  instrumentation: 'instrumentation cost',
  export: 'export cost'
}

/** What a comparison measures, in words: "QPS overhead of on@0.01 vs off", "P99 regression of off vs base/off". */
export function comparisonTitle(c: Comparison): string {
  const phase = c.phase === undefined ? '' : c.phase === 'open' ? ' (open-loop phase)' : ` (phase ${c.phase})`
  return `${metricSpec(c.metric).label} ${KIND_WORDS[c.kind]} of ${c.armId} vs ${c.referenceArmId}${phase}`
}

/**
 * e.g. `QPS overhead of on@0.01 vs off: 4.1% (97.7% CI 2.9% … 5.3%, n=8) > budget 3.0% → FAIL at look 1
 * (p_fail=0.0004 ≤ 0.0031)`: the typical block's overhead, the repeated interval the decision used, and
 * the level it was held to (Holm step and α spent at that look).
 */
export function gateReason(c: Comparison): string {
  const head = comparisonTitle(c)
  const budget = `budget ${fmtPct(c.budget as number)}`
  if (c.n < 3 || !Number.isFinite(c.ciLow)) {
    const why = c.n === 0 ? 'no paired blocks' : `n=${c.n}, too few blocks for an interval`
    return `${head}:${c.n === 0 ? '' : ` ${fmtPct(c.overhead)}`} (${why}) vs ${budget} → INCONCLUSIVE`
  }
  const runs = c.historyRuns !== undefined ? `, ${c.historyRuns} stored run${c.historyRuns === 1 ? '' : 's'}` : ''
  const ci =
    `${fmtConfidence(c.confidence)} CI ${fmtBound(c.ciLow, false)} … ${fmtBound(c.ciHigh, false)}, ` + `n=${c.n}${runs}`
  const rel = c.decision === 'fail' ? '>' : c.decision === 'pass' ? '≤' : 'vs'
  const at = c.decidedAtLook !== undefined && c.decidedAtLook !== null ? ` at look ${c.decidedAtLook + 1}` : ''
  const test =
    c.decision === 'fail'
      ? `p_fail=${fmtPValue(c.pFail)} ≤ ${fmtPValue(c.failLevel ?? NaN)}`
      : c.decision === 'pass'
        ? `p_pass=${fmtPValue(c.pPass ?? NaN)} ≤ ${fmtPValue(c.passLevel ?? NaN)}`
        : `p_fail=${fmtPValue(c.pFail)}, p_pass=${fmtPValue(c.pPass ?? NaN)}`
  const capped =
    c.cannotPass !== undefined
      ? `; ${c.cannotPass}`
      : c.cannotFail !== undefined && c.decision !== 'pass'
        ? `; cannot fail: ${c.cannotFail}`
        : ''
  return (
    `${head}: ${fmtPct(c.overhead)} (${ci}) ${rel} ${budget} → ${(c.decision ?? 'inconclusive').toUpperCase()}${at} ` +
    `(${test}${capped})`
  )
}
