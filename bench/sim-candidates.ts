/** The candidate decision statistics compared by `npm run sim -- --candidates` (on the oriented excess, threshold 0). */
import { pairedTTest } from '../src/stats/t-test.js'
import { signFlipTest } from '../src/stats/sign-flip.js'
import { TRIM, trimmedLocation } from '../src/analysis/robust.js'
import { EXP_PSEUDO_MEDIAN, expTrimmedMean } from './sim-model.js'
import { tCdf } from '../src/stats/distributions.js'
import { rulePValues, trimmedPValues } from '../src/analysis/rule.js'
import type { LookStatistic } from '../src/analysis/sequential.js'
import { bootstrapT } from '../src/analysis/bootstrap.js'

export interface Candidate {
  name: string
  /** Population value of what it estimates for Exp(1): the skewed shapes are centred there (fair boundary). */
  expCentre: number
  /** Only at a single look of ≤ 20 blocks (exact sign-flip / signed-rank enumeration). */
  smallOnly?: boolean
  /**
   * One-sided p-values of "excess ≤ 0" (pFail) and "excess ≥ 0" (pPass) from the blocks so far;
   * `cap` is the largest level the look compares them with (a p above it may be returned as any value > cap).
   */
  stat(x: readonly number[], alpha: number, cap: number): LookStatistic
}

const tP = (x: readonly number[]): LookStatistic => ({
  pFail: pairedTTest(x, 0, 'greater').p,
  pPass: pairedTTest(x, 0, 'less').p
})

/** Exact one-sided Wilcoxon signed-rank p-values (midranks of |x|, ties at 0 dropped) by enumerating 2^n sign patterns' rank sums. */
function signedRank(x: readonly number[]): LookStatistic {
  const nz = x.filter((v) => v !== 0)
  const n = nz.length
  if (n === 0) return { pFail: 1, pPass: 1 }
  const order = nz.map((v, i) => i).sort((a, b) => Math.abs(nz[a]) - Math.abs(nz[b]))
  const rank = new Array<number>(n)
  for (let i = 0; i < n;) {
    let j = i
    while (j + 1 < n && Math.abs(nz[order[j + 1]]) === Math.abs(nz[order[i]])) j++
    for (let m = i; m <= j; m++) rank[order[m]] = (i + j) / 2 + 1
    i = j + 1
  }
  const wPlus = nz.reduce((s, v, i) => s + (v > 0 ? rank[i] : 0), 0)
  let ge = 0
  let le = 0
  const total = 1 << n
  for (let mask = 0; mask < total; mask++) {
    let w = 0
    for (let i = 0; i < n; i++) if (mask & (1 << i)) w += rank[i]
    if (w >= wPlus - 1e-9) ge++
    if (w <= wPlus + 1e-9) le++
  }
  return { pFail: ge / total, pPass: le / total }
}

export const CANDIDATES: Candidate[] = [
  {
    name: 'v1: t, Holm on max(t p, sign-flip p)',
    expCentre: 1,
    smallOnly: true,
    stat: (x) => ({
      pFail: Math.max(pairedTTest(x, 0, 'greater').p, signFlipTest(x, 0, 'greater')),
      pPass: pairedTTest(x, 0, 'less').p
    })
  },
  { name: 't on the mean', expCentre: 1, stat: tP },
  {
    name: 't + unadjusted sign-flip guard',
    expCentre: 1,
    smallOnly: true,
    stat: (x, alpha) => ({ ...tP(x), ...(signFlipTest(x, 0, 'greater') > alpha / 2 ? { cannotFail: 'guard' } : {}) })
  },
  { name: 'Wilcoxon signed-rank (HL)', expCentre: EXP_PSEUDO_MEDIAN, smallOnly: true, stat: signedRank },
  {
    name: '10% trimmed (Yuen)',
    expCentre: expTrimmedMean(0.1),
    stat: (x) => trimmedPValues(trimmedLocation(x, 0.1), 0, 1)
  },
  {
    name: '20% trimmed (Yuen)',
    expCentre: expTrimmedMean(0.2),
    stat: (x) => trimmedPValues(trimmedLocation(x, 0.2), 0, 1)
  },
  {
    name: '25% trimmed (Yuen)',
    expCentre: expTrimmedMean(0.25),
    stat: (x) => trimmedPValues(trimmedLocation(x, 0.25), 0, 1)
  },
  {
    name: '20% trimmed, df 0.85(h-1) (v2)',
    expCentre: expTrimmedMean(0.2),
    stat: (x) => trimmedPValues(trimmedLocation(x, 0.2), 0)
  },
  { name: '20% trimmed, Hall', expCentre: expTrimmedMean(0.2), stat: (x) => hall(x, 0.2) },
  { name: '20% trimmed, Hall raw skew', expCentre: expTrimmedMean(0.2), stat: (x) => hall(x, 0.2, true) },
  {
    name: '20% trimmed, bootstrap-t B=1999',
    expCentre: expTrimmedMean(0.2),
    stat: (x, _a, cap) => bootT(x, 1999, cap)
  },
  {
    name: '20% trimmed, bootstrap-t B=9999',
    expCentre: expTrimmedMean(0.2),
    stat: (x, _a, cap) => bootT(x, 9999, cap)
  },
  {
    name: 'max(Yuen, bootstrap-t) B=1999',
    expCentre: expTrimmedMean(0.2),
    stat: (x, _a, cap) => maxYuenBoot(x, 1999, cap)
  },
  {
    name: 'max(Yuen, bootstrap-t floor 0.3) B=1999',
    expCentre: expTrimmedMean(0.2),
    stat: (x, _a, cap) => maxYuenBoot(x, 1999, cap, 0.3)
  },
  {
    name: 'max(Yuen, min(bootstrap-t, 10 Yuen)) B=1999',
    expCentre: expTrimmedMean(0.2),
    stat: (x, _a, cap) => maxYuenBoot(x, 1999, cap, 0, 10)
  },
  {
    name: 'max(Yuen, min(bootstrap-t, 30 Yuen)) B=1999',
    expCentre: expTrimmedMean(0.2),
    stat: (x, _a, cap) => maxYuenBoot(x, 1999, cap, 0, 30)
  },
  {
    name: 'max(Yuen, min(bootstrap-t, 10 Yuen)) [shipped]',
    expCentre: expTrimmedMean(0.2),
    stat: (x, _a, cap) => rulePValues(x, trimmedLocation(x, TRIM), 0, { min: 0, max: cap })
  }
]

/**
 * Both p-values as the larger of Yuen's t and the bootstrap-t: each side needs both to agree, so the
 * bootstrap's skew correction only ever makes a decision harder. The bootstrap runs only for a side
 * whose Yuen p is ≤ cap (else the max is > cap anyway).
 */
function maxYuenBoot(
  x: readonly number[],
  resamples: number,
  cap: number,
  seFloor = 0,
  kappa = Infinity
): LookStatistic {
  const loc = trimmedLocation(x, TRIM)
  const y = trimmedPValues(loc, 0)
  if (loc.n < 3 || !(loc.se > 1e-15)) return y
  // The bootstrap can raise a p at most to kappa·p: a bound on the skew a few blocks can claim.
  const needFail = y.pFail <= cap
  const needPass = y.pPass <= cap
  if (!needFail && !needPass) return y
  const b = bootstrapT(x, loc.g, loc.estimate, loc.se, 0, {
    resamples,
    capFail: needFail ? cap : 0,
    capPass: needPass ? cap : 0,
    seFloor
  })
  const lift = (py: number, pb: number): number => Math.max(py, Math.min(pb, kappa * py))
  return { pFail: lift(y.pFail, b.pFail), pPass: lift(y.pPass, b.pPass) }
}

/** Bootstrap-t p-values of the 20 % trimmed mean against 0 (zero spread: the estimate alone decides, as the t rule). */
function bootT(x: readonly number[], resamples: number, cap: number): LookStatistic {
  const loc = trimmedLocation(x, TRIM)
  if (loc.n < 3 || !(loc.se > 1e-15)) return trimmedPValues(loc, 0)
  return bootstrapT(x, loc.g, loc.estimate, loc.se, 0, { resamples, capFail: cap, capPass: cap })
}

function rawSkew(x: readonly number[]): number {
  const n = x.length
  const m = x.reduce((a, v) => a + v, 0) / n
  let m2 = 0
  let m3 = 0
  for (const v of x) {
    m2 += (v - m) ** 2
    m3 += (v - m) ** 3
  }
  m2 /= n
  m3 /= n
  const g1 = m2 > 0 ? m3 / m2 ** 1.5 : 0
  return n > 2 ? (g1 * Math.sqrt(n * (n - 1))) / (n - 2) : 0
}

function hall(x: readonly number[], trim: number, raw = false): LookStatistic {
  const loc = trimmedLocation(x, trim)
  if (loc.n < 3 || !(loc.se > 0)) return trimmedPValues(loc, 0)
  const g = hallTransform(loc.estimate / loc.se, raw ? rawSkew(x) : winsorizedSkewness(x, trim), loc.n)
  return { pFail: tCdf(-g, loc.df), pPass: tCdf(g, loc.df) } // Yuen's df, as published
}

/**
 * Sample skewness of the winsorized values of `x` (the same g as trimmedLocation): the skewness of
 * the trimmed mean's influence function, which Hall's transformation needs. 0 when the spread is 0.
 */
function winsorizedSkewness(x: readonly number[], trim: number = TRIM): number {
  const n = x.length
  if (n < 3) return 0
  const s = [...x].sort((a, b) => a - b)
  const g = Math.floor(trim * n)
  const lo = s[g]
  const hi = s[n - g - 1]
  const w = s.map((v) => Math.min(hi, Math.max(lo, v)))
  const mean = w.reduce((a, v) => a + v, 0) / n
  let m2 = 0
  let m3 = 0
  for (const v of w) {
    m2 += (v - mean) ** 2
    m3 += (v - mean) ** 3
  }
  m2 /= n
  m3 /= n
  return m2 > 0 ? m3 / m2 ** 1.5 : 0
}

/**
 * Hall's (1992) monotone skewness-removing transformation of a studentised statistic T with
 * skewness estimate `skew` from n values: g(T) = T + aT² + a²T³/3 + b, a = skew/(3√n), b = skew/(6√n).
 */
function hallTransform(t: number, skew: number, n: number): number {
  const a = skew / (3 * Math.sqrt(n))
  const b = skew / (6 * Math.sqrt(n))
  return t + a * t * t + (a * a * t * t * t) / 3 + b
}
