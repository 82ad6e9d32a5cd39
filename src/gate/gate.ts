import { holm } from '../stats/holm.js'
import { metricSpec } from '../metrics.js'
import type { Comparison, Decision, GateResult, OnInconclusive } from '../types.js'

/** Options of decide(). */
export interface DecideOptions {
  /** Family-wise error rate of the two-sided CI / FAIL decision, e.g. 0.05. */
  alpha: number
  /**
   * What an inconclusive verdict does to the check: 'fail' fails it; 'warn' and 'pass' both leave
   * it green (failCheck false) and keep verdict 'inconclusive' — they differ only in whether the
   * caller emits a warning.
   */
  onInconclusive: OnInconclusive
}

/**
 * Gate over the comparisons with a budget: Holm–Bonferroni over their pFail, then per comparison
 *  - FAIL if pFailAdjusted ≤ α/2;
 *  - PASS if the CI's upper bound ≤ budget;
 *  - INCONCLUSIVE otherwise, and whenever n < 2 or a statistic is NaN.
 * Verdict: fail if any FAIL, else inconclusive if any INCONCLUSIVE, else pass (also when nothing
 * is gated). Returns copies; comparisons without a budget pass through unchanged.
 *
 * Why α/2: with a single comparison, confidence = 1 − α and the t-test alone, "one-sided p of
 * H0 'overhead ≤ T' ≤ α/2" is exactly "the (1 − α) two-sided CI lies entirely above T" — the
 * criterion.rs rule (the t statistic exceeds the 1 − α/2 quantile iff the CI bound on the
 * log-ratio is beyond ln(1 ∓ T)). pFail also takes the max with the sign-flip p, so the
 * permutation test must agree too, and Holm keeps the family-wise rate at α/2 across several
 * gated comparisons. Note the sign-flip floor: p ≥ 1/2^n, so FAIL needs 2^n ≥ 2m/α
 * (n ≥ 6 blocks for one comparison at α = 0.05, n ≥ 8 for four).
 */
export function decide(comparisons: readonly Comparison[], opts: DecideOptions): GateResult {
  const { alpha, onInconclusive } = opts
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`)
  if (onInconclusive !== 'warn' && onInconclusive !== 'fail' && onInconclusive !== 'pass') {
    throw new RangeError(`onInconclusive must be 'warn', 'fail' or 'pass', got '${String(onInconclusive)}'`)
  }

  const gatedIdx: number[] = []
  comparisons.forEach((c, i) => {
    if (c.budget === null) return
    if (c.pFail === null) {
      throw new Error(`comparison ${c.metric} of '${c.armId}' has budget ${c.budget} but no pFail`)
    }
    gatedIdx.push(i)
  })

  // A NaN pFail (n < 2) still counts in the family size m — it was declared as gated — and enters
  // Holm as 1 so it can only make the others more conservative; its own adjusted p stays NaN.
  const raw = gatedIdx.map((i) => comparisons[i].pFail as number)
  const adjusted = holm(raw.map((p) => (Number.isNaN(p) ? 1 : p)))

  const out = comparisons.map((c) => ({ ...c, logRatios: [...c.logRatios] }))
  const reasons: string[] = []
  gatedIdx.forEach((i, k) => {
    const c = out[i]
    c.pFailAdjusted = Number.isNaN(raw[k]) ? NaN : adjusted[k]
    c.decision = decision(c, alpha)
    reasons.push(reason(c))
  })

  const decisions = gatedIdx.map((i) => out[i].decision)
  const verdict: GateResult['verdict'] = decisions.includes('fail')
    ? 'fail'
    : decisions.includes('inconclusive')
      ? 'inconclusive'
      : 'pass'
  if (gatedIdx.length === 0) {
    reasons.push('No comparison is gated (no budget set): nothing to decide → PASS')
  }
  const failCheck = verdict === 'fail' || (verdict === 'inconclusive' && onInconclusive === 'fail')
  return { verdict, failCheck, comparisons: out, reasons }
}

function decision(c: Comparison, alpha: number): Decision {
  const budget = c.budget as number
  const p = c.pFailAdjusted as number
  if (c.n < 2 || [c.overhead, c.ciLow, c.ciHigh, p].some(Number.isNaN)) return 'inconclusive'
  if (p <= alpha / 2) return c.cannotFail === undefined ? 'fail' : 'inconclusive'
  if (c.ciHigh <= budget) return 'pass'
  return 'inconclusive'
}

/** What a comparison measures, in words: "QPS overhead of on@0.01 vs off", "P99 regression of off vs base/off". */
export function comparisonTitle(c: Comparison): string {
  const metric = metricSpec(c.metric).label
  const what = c.kind === 'regression' ? 'regression' : c.kind === 'overhead-change' ? 'overhead change' : c.kind === 'instrumentation' ? 'instrumentation cost' : 'overhead'
  const phase = c.phase === undefined ? '' : c.phase === 'open' ? ' (open-loop phase)' : ` (phase ${c.phase})`
  return `${metric} ${what} of ${c.armId} vs ${c.referenceArmId}${phase}`
}

/** e.g. `QPS overhead of on@0.01 vs off: 4.1% (95% CI 2.9% … 5.3%, n=8) > budget 3.0% → FAIL (Holm p=0.004)`. */
function reason(c: Comparison): string {
  const head = comparisonTitle(c)
  const budget = `budget ${pct(c.budget as number)}`
  if (c.n < 2) {
    const why = c.n === 0 ? 'no paired blocks' : `n=1, too few blocks for a CI`
    const est = c.n === 0 ? '' : ` ${pct(c.overhead)}`
    return `${head}:${est} (${why}) vs ${budget} → INCONCLUSIVE`
  }
  const ci = `${confPct(c.confidence)} CI ${pct(c.ciLow)} … ${pct(c.ciHigh)}, n=${c.n}${c.nRef !== undefined ? `+${c.nRef}` : ''}`
  const rel = c.decision === 'fail' ? '>' : c.decision === 'pass' ? '≤' : 'vs'
  const p = c.pFailAdjusted as number
  const capped = c.cannotFail !== undefined && c.decision === 'inconclusive' && p <= 0.5 ? `; cannot fail: ${c.cannotFail}` : ''
  return `${head}: ${pct(c.overhead)} (${ci}) ${rel} ${budget} → ${(c.decision as string).toUpperCase()} (Holm p${fmtP(p)}${capped})`
}

function pct(x: number): string {
  if (Number.isNaN(x)) return 'n/a'
  const s = (x * 100).toFixed(1)
  // toFixed keeps the sign of tiny negatives ("-0.0"), which reads like a real improvement.
  return (s === '-0.0' ? '0.0' : s) + '%'
}

function confPct(c: number): string {
  return `${Number((c * 100).toFixed(2))}%`
}

function fmtP(p: number): string {
  if (Number.isNaN(p)) return ' n/a'
  return p < 0.001 ? '<0.001' : `=${p.toFixed(3)}`
}
