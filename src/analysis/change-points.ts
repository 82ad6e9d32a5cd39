/**
 * Change points in a series of main's runs: E-divisive means with the split/merge scheme of Apache
 * Otava 0.8.0 (`compute_change_points`, after Fleming et al., "Hunter", ICPE 2023, and Matteson &
 * James, JASA 2014). Written here rather than taken from a library because no maintained npm package
 * implements E-divisive (the R `ecp` and Python `otava`/`signal_processing_algorithms` have no JS port),
 * and the action must not spawn Python; `__tests__/integration/history/otava.test.ts` cross-checks it
 * against Otava itself.
 *
 * The method, step by step (each mirrors an Otava function, named in brackets):
 * 1. Split [split]: windows of `windowLength` entries, each half a window after the previous one (or
 *    starting at the last change point found). Inside a window, divisive search [ChangePointDetector]:
 *    the split τ (and end κ) maximizing the energy statistic Q̂ over the current segments
 *    [PairDistanceCalculator, power 1]; the candidate is kept when a two-sided Student t-test between the
 *    two sides of the segment it splits has p ≤ 10 × `maxPValue` (the first-pass level), and the
 *    search goes on until a candidate is not significant.
 * 2. The union of all windows' points (weak change points), each re-tested against its neighbouring segments.
 * 3. Merge [merge]: repeatedly drop the weakest point (largest p when some p ≥ `maxPValue`, otherwise the
 *    smallest relative change when it is ≤ `minMagnitude`) and re-test its neighbours; what survives is
 *    significant at `maxPValue` and moves the mean by more than `minMagnitude`.
 * The t-test is Otava's: population SDs (ddof 0) fed into the pooled two-sample t with n₁ + n₂ − 2 df.
 * One Otava quirk is kept on purpose: after dropping a point, Otava 0.8.0 re-tests the point after it and
 * the one after that, leaving the point before it with its old (shorter) right-hand segment until it is
 * re-tested later. Re-testing both true neighbours instead changed the result on 3 of 28 seeded
 * cross-check series (steps of 1 SD and a drift, all below the 3 SD the cross-check is held to), so the
 * reference's behaviour is copied and results stay comparable with Otava/Nyrkiö users' own.
 * Deterministic (no random numbers, so nothing to seed), and the work is bounded: O(windowLength²) per
 * candidate, at most windowLength candidates per window and 2·length/windowLength windows.
 */
import { tCdf } from '../stats/distributions.js'

/** Parameters of findChangePoints(). */
export interface ChangePointOptions {
  /** Largest p-value of a kept change point (Otava's `max_pvalue`). */
  maxPValue: number
  /**
   * Smallest relative change of the mean, max(|after/before − 1|, |before/after − 1|), kept (Otava's `min_magnitude`).
   */
  minMagnitude: number
  /** Entries per split window (Otava's `window_len`, default 50). */
  windowLength: number
}

/**
 * Otava 0.8.0's defaults, except the minimum effect: 0 in Otava, 2 % here (run-to-run offsets of a few % are noise
 * here).
 */
export const DEFAULT_CHANGE_POINT_OPTIONS: ChangePointOptions = {
  maxPValue: 0.001,
  minMagnitude: 0.02,
  windowLength: 50
}

/** Longest series analysed; the store keeps far fewer entries. Bounds the work of one call. */
export const MAX_SERIES_LENGTH = 10_000

/** One change point: the series' mean differs from index `index` on (the first entry of the new segment). */
export interface ChangePoint {
  index: number
  pValue: number
  meanBefore: number
  meanAfter: number
  sdBefore: number
  sdAfter: number
  /** after/before − 1 (NaN-safe: 0 when the mean before is 0, as Otava). */
  forwardChange: number
  /** max(|after/before − 1|, |before/after − 1|). */
  magnitude: number
}

interface Stats {
  pValue: number
  meanBefore: number
  meanAfter: number
  sdBefore: number
  sdAfter: number
}

/** Half-open segment [start, stop). */
interface Segment {
  start: number
  stop: number
}

function mean(xs: readonly number[], s: Segment): number {
  let sum = 0
  for (let i = s.start; i < s.stop; i++) sum += xs[i]
  return sum / (s.stop - s.start)
}

/** Population SD (ddof 0), as numpy's np.std, which Otava passes on to the t-test. */
function popSd(xs: readonly number[], s: Segment, m: number): number {
  const n = s.stop - s.start
  if (n < 2) return 0
  let ss = 0
  for (let i = s.start; i < s.stop; i++) ss += (xs[i] - m) ** 2
  return Math.sqrt(ss / n)
}

/** Otava's TTestSignificanceTester.compare: scipy's ttest_ind_from_stats (pooled) on ddof-0 SDs. */
function compare(xs: readonly number[], left: Segment, right: Segment): Stats {
  const n1 = left.stop - left.start
  const n2 = right.stop - right.start
  const m1 = mean(xs, left)
  const m2 = mean(xs, right)
  const s1 = popSd(xs, left, m1)
  const s2 = popSd(xs, right, m2)
  let pValue = 1
  if (n1 + n2 > 2) {
    const df = n1 + n2 - 2
    const pooled = ((n1 - 1) * s1 ** 2 + (n2 - 1) * s2 ** 2) / df
    const denom = Math.sqrt(pooled * (1 / n1 + 1 / n2))
    const diff = m1 - m2
    // scipy gives t = ±inf (p = 0) for a difference with no spread and NaN for none at all; a NaN
    // p-value never passes Otava's tests, so it counts as 1 here.
    if (denom === 0) pValue = diff === 0 ? 1 : 0
    else pValue = Math.min(1, 2 * tCdf(-Math.abs(diff / denom), df))
  }
  return { pValue, meanBefore: m1, meanAfter: m2, sdBefore: s1, sdAfter: s2 }
}

function toPoint(index: number, s: Stats): ChangePoint {
  const forward = s.meanBefore === 0 ? 0 : s.meanAfter / s.meanBefore - 1
  const backward = s.meanAfter === 0 ? 0 : s.meanBefore / s.meanAfter - 1
  return { index, ...s, forwardChange: forward, magnitude: Math.max(Math.abs(forward), Math.abs(backward)) }
}

/** Segments between sorted change-point indices over [start, stop). */
function segments(indices: readonly number[], start: number, stop: number): Segment[] {
  const bounds = [start, ...indices, stop]
  const out: Segment[] = []
  for (let i = 0; i + 1 < bounds.length; i++)
    if (bounds[i] !== bounds[i + 1]) out.push({ start: bounds[i], stop: bounds[i + 1] })
  return out
}

/**
 * The best split of xs[seg] by Q̂ [PairDistanceCalculator.get_candidate_change_point]: over
 * start < τ < κ ≤ stop, Q̂(X = xs[start:τ], Y = xs[τ:κ]) = 2/(m+n)·Σ|X−Y| − 2m/((m+n)(n−1))·Σ_{i<k}|Xi−Xk|
 * − 2n/((m+n)(m−1))·Σ_{j<k}|Yj−Yk| (a term with a zero denominator is 0, as Otava's). Ties go to the
 * smallest τ, then κ, as numpy's argmax over Otava's (τ, κ) matrix. Sums come from 2-D prefix sums of
 * the distance matrix, so one segment costs O(length²).
 */
function candidate(xs: readonly number[], seg: Segment): { index: number; qhat: number } {
  const L = seg.stop - seg.start
  // P[(i)*(L+1) + j] = Σ_{a<i, b<j} |x_a − x_b| over the segment's local indices.
  const W = L + 1
  const P = new Float64Array(W * W)
  for (let i = 1; i <= L; i++) {
    let row = 0
    for (let j = 1; j <= L; j++) {
      row += Math.abs(xs[seg.start + i - 1] - xs[seg.start + j - 1])
      P[i * W + j] = P[(i - 1) * W + j] + row
    }
  }
  const rect = (a0: number, a1: number, b0: number, b1: number): number =>
    P[a1 * W + b1] - P[a0 * W + b1] - P[a1 * W + b0] + P[a0 * W + b0]
  let best = { index: seg.start + 1, qhat: -Infinity }
  for (let tau = 1; tau < L; tau++) {
    const n = tau
    const withinX = rect(0, tau, 0, tau) / 2
    for (let kappa = tau + 1; kappa <= L; kappa++) {
      const m = kappa - tau
      const cross = rect(0, tau, tau, kappa)
      const withinY = rect(tau, kappa, tau, kappa) / 2
      let q = (2 / (m + n)) * cross
      if (n > 1) q -= ((2 * m) / ((m + n) * (n - 1))) * withinX
      if (m > 1) q -= ((2 * n) / ((m + n) * (m - 1))) * withinY
      if (q > best.qhat) best = { index: seg.start + tau, qhat: q }
    }
  }
  // Otava's Q matrix holds zeros outside start < τ < κ: a maximum below 0 reads as 0 at τ = start + 1.
  if (best.qhat < 0) best = { index: seg.start + 1, qhat: 0 }
  return best
}

/**
 * Re-tests a change point against the segments around it (the merge step of [TTestSignificanceTester.change_point]).
 */
function retest(xs: readonly number[], indices: readonly number[], k: number): ChangePoint {
  const start = k === 0 ? 0 : indices[k - 1]
  const stop = k === indices.length - 1 ? xs.length : indices[k + 1]
  return toPoint(indices[k], compare(xs, { start, stop: indices[k] }, { start: indices[k], stop }))
}

/** Divisive search inside xs[start:stop] at level `alpha` [ChangePointDetector.get_change_points]. */
function divisive(xs: readonly number[], start: number, stop: number, alpha: number): number[] {
  const found: number[] = []
  for (;;) {
    const segs = segments(found, start, stop).filter((s) => s.stop - s.start > 1)
    if (segs.length === 0) break
    let best: { index: number; qhat: number; seg: Segment } | null = null
    for (const s of segs) {
      const c = candidate(xs, s)
      if (best === null || c.qhat > best.qhat) best = { ...c, seg: s }
    }
    if (best === null) break
    const stats = compare(xs, { start: best.seg.start, stop: best.index }, { start: best.index, stop: best.seg.stop })
    if (!(stats.pValue <= alpha)) break
    found.push(best.index)
    found.sort((a, b) => a - b)
  }
  return found
}

/**
 * Change points of `series` (oldest first), sorted by index; see the file comment for the method.
 * Throws a RangeError on a non-finite value, an empty-length window or a series over MAX_SERIES_LENGTH.
 */
export function findChangePoints(
  series: readonly number[],
  options: ChangePointOptions = DEFAULT_CHANGE_POINT_OPTIONS
): ChangePoint[] {
  const { maxPValue, minMagnitude, windowLength } = options
  if (!(maxPValue > 0 && maxPValue < 1)) throw new RangeError(`maxPValue must be in (0, 1), got ${maxPValue}`)
  if (!(minMagnitude >= 0 && Number.isFinite(minMagnitude)))
    throw new RangeError(`minMagnitude must be a finite number ≥ 0, got ${minMagnitude}`)
  if (!(Number.isInteger(windowLength) && windowLength >= 2))
    throw new RangeError(`windowLength must be an integer ≥ 2, got ${windowLength}`)
  if (series.length > MAX_SERIES_LENGTH)
    throw new RangeError(`series has ${series.length} entries, more than the ${MAX_SERIES_LENGTH} analysed`)
  series.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`series entry ${i} must be a finite number, got ${String(v)}`)
  })
  const xs = series
  // Otava's first-pass level: 10× below 0.05, 2× below 0.5.
  const firstPass = maxPValue < 0.05 ? maxPValue * 10 : maxPValue < 0.5 ? maxPValue * 2 : maxPValue
  const step = Math.floor(windowLength / 2)
  const weak = new Set<number>()
  let start = 0
  while (start < xs.length) {
    const stop = Math.min(start + windowLength, xs.length)
    const found = divisive(xs, start, stop, firstPass)
    found.forEach((i) => weak.add(i))
    const last = found.length > 0 ? found[found.length - 1] : 0
    start = Math.max(last, start + step)
  }
  const indices = [...weak].sort((a, b) => a - b)
  const points = indices.map((_, k) => retest(xs, indices, k))
  // Merge [merge]: drop the weakest point until every survivor passes both criteria.
  while (points.length > 0) {
    let weakest = 0
    for (let k = 1; k < points.length; k++) if (points[k].pValue > points[weakest].pValue) weakest = k
    if (points[weakest].pValue < maxPValue) {
      weakest = 0
      for (let k = 1; k < points.length; k++) if (points[k].magnitude < points[weakest].magnitude) weakest = k
      if (points[weakest].magnitude > minMagnitude) break
    }
    points.splice(weakest, 1)
    const left = points.map((p) => p.index)
    // Otava's recompute(weakest_cp_index) and recompute(weakest_cp_index + 1); see the file comment.
    for (const k of [weakest, weakest + 1]) if (k >= 0 && k < points.length) points[k] = retest(xs, left, k)
  }
  return points
}
