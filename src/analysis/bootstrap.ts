/**
 * Studentised bootstrap (bootstrap-t) of the 20 % trimmed mean: the reference distribution of
 * Yuen's T = (tm − θ0)/se is the distribution of T* = (tm* − tm)/se* over resamples of the blocks,
 * which carries the skew of the data that a t table ignores (a t-type statistic on 8–24 skewed
 * blocks is skewed itself: its numerator and its SE move together). Seeded from the data, so a
 * verdict is reproducible from the per-block log-ratios alone.
 */

// Module-level bindings: under a vm context (jest) every global lookup in the hot loop is an
// interceptor call, 20× slower than these lexical constants.
const { floor, imul, sqrt, max } = Math
const INF = Number.POSITIVE_INFINITY

/**
 * Resamples per bootstrap: p-values step by 1/(B + 1) = 0.0005, so the first Holm step at a look
 * (≈ 0.0023–0.0028 with 4 gated comparisons) allows 3–4 exceedances. 9 999 would resolve finer but makes
 * `npm run sim` (every decided comparison runs all B) five times slower; the rule's p is the larger of
 * the t p and the bootstrap p, so the bootstrap's resolution only limits how finely it can object.
 */
export const BOOTSTRAP_RESAMPLES = 1999

/** Options of bootstrapT(). */
export interface BootstrapOptions {
  /** Resamples B (default BOOTSTRAP_RESAMPLES). */
  resamples?: number
  /**
   * Seed of the resampling stream (default: a hash of `x`; not of the threshold, so T* is the same for every
   * threshold).
   */
  seed?: number
  /**
   * Stop once pFail is known to exceed `capFail` and pPass `capPass` (simulation speed; 0 = that side is
   * not needed): a p above its cap is returned as a lower bound > cap and `tStar` is omitted.
   * Decisions at levels ≤ the caps are exact.
   */
  capFail?: number
  capPass?: number
  /** Floor of se* as a fraction of the sample's se (default 0: none), taming T* of near-constant resamples. */
  seFloor?: number
}

/** One-sided bootstrap-t p-values and, without a cap, the sorted T* (for the interval). */
export interface BootstrapResult {
  /** (1 + #{T* ≥ T})/(B + 1): small → the trimmed mean is above the threshold. */
  pFail: number
  /** (1 + #{T* ≤ T})/(B + 1). */
  pPass: number
  /** Sorted T* (±Infinity for resamples with zero spread); absent with a cap. */
  tStar?: Float64Array
}

/**
 * FNV-1a over the IEEE-754 bits of the values in their order: the default, data-derived seed. It
 * leaves out the threshold, so one sample has one T* distribution: p-values monotone in the budget
 * and an interval that agrees with them.
 */
export function dataSeed(x: readonly number[]): number {
  const words = new Uint32Array(Float64Array.from(x).buffer)
  let h = 0x811c9dc5
  for (const w of words) {
    for (let s = 0; s < 32; s += 8) {
      h ^= (w >>> s) & 0xff
      h = imul(h, 0x01000193)
    }
  }
  return h >>> 0
}

/**
 * Trimmed mean (g cut per end) and Tukey–McLaughlin SE of the resample given by `count[i]` copies of
 * the i-th smallest value of `s` (values centred on the sample's trimmed mean). se 0 ⇔ the winsorized
 * resample is constant. Writes [tm, se] into `out`.
 */
function resampleLocation(s: Float64Array, count: Int32Array, g: number, out: Float64Array): void {
  const n = s.length
  const h = n - 2 * g
  // Winsorizing bounds: the values at positions g and n − g − 1 of the sorted resample.
  let pos = 0
  let lo = NaN
  let hi = NaN
  for (let i = 0; i < n; i++) {
    const c = count[i]
    if (c === 0) continue
    if (pos <= g && g < pos + c) lo = s[i]
    if (pos <= n - g - 1 && n - g - 1 < pos + c) hi = s[i]
    pos += c
  }
  pos = 0
  let trimSum = 0
  let wSum = 0
  let wSq = 0
  for (let i = 0; i < n; i++) {
    const c = count[i]
    if (c === 0) continue
    const v = s[i]
    const inside = (pos + c < n - g ? pos + c : n - g) - (pos > g ? pos : g)
    if (inside > 0) trimSum += inside * v
    const w = v < lo ? lo : v > hi ? hi : v
    wSum += c * w
    wSq += c * w * w
    pos += c
  }
  out[0] = trimSum / h
  out[1] = lo === hi ? 0 : sqrt(max(0, wSq - (wSum * wSum) / n) / (h * (h - 1)))
}

/**
 * Bootstrap-t p-values of "trimmed mean ≤ threshold" (pFail) and "≥ threshold" (pPass) for the
 * oriented values `x` whose trimmed location is (`estimate`, `se` > 0) with `g` cut per end.
 * A resample with zero spread has T* = ±∞ by the sign of tm* − tm (0 when equal): it then counts
 * as at least as extreme as any finite T on its side, never on the other.
 */
export function bootstrapT(
  x: readonly number[],
  g: number,
  estimate: number,
  se: number,
  threshold: number,
  opts: BootstrapOptions = {}
): BootstrapResult {
  const n = x.length
  const B = opts.resamples ?? BOOTSTRAP_RESAMPLES
  if (!(Number.isInteger(B) && B >= 1)) throw new RangeError(`resamples must be an integer ≥ 1, got ${String(B)}`)
  if (!(se > 0 && Number.isFinite(se))) throw new RangeError(`bootstrapT needs a positive finite se, got ${String(se)}`)
  const t = (estimate - threshold) / se
  const s = Float64Array.from(x, (v) => v - estimate).sort()
  // mulberry32 (src/stats/prng.ts), inlined: the same stream, without a closure call per index.
  let state = (opts.seed ?? dataSeed(x)) >>> 0
  const count = new Int32Array(n)
  const loc = new Float64Array(2)
  const capped = opts.capFail !== undefined || opts.capPass !== undefined
  const capFail = capped ? (opts.capFail ?? 1) * (B + 1) - 1 : Infinity
  const capPass = capped ? (opts.capPass ?? 1) * (B + 1) - 1 : Infinity
  const seFloor = (opts.seFloor ?? 0) * se
  const tStar = capped ? undefined : new Float64Array(B)
  let ge = 0
  let le = 0
  for (let b = 0; b < B; b++) {
    count.fill(0)
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) >>> 0
      let z = imul(state ^ (state >>> 15), state | 1)
      z ^= z + imul(z ^ (z >>> 7), z | 61)
      count[floor((((z ^ (z >>> 14)) >>> 0) / 4294967296) * n)]++
    }
    resampleLocation(s, count, g, loc)
    const d = loc[0]
    const sd = max(loc[1], seFloor)
    const ts = sd > 0 ? d / sd : d > 0 ? INF : d < 0 ? -INF : 0
    if (ts >= t) ge++
    if (ts <= t) le++
    if (tStar !== undefined) tStar[b] = ts
    else if (ge > capFail && le > capPass) break
  }
  if (tStar !== undefined) return { pFail: (1 + ge) / (B + 1), pPass: (1 + le) / (B + 1), tStar: tStar.sort() }
  // With a cap the loop may stop early: counts so far give lower bounds, already above the cap.
  return { pFail: (1 + ge) / (B + 1), pPass: (1 + le) / (B + 1) }
}

/**
 * Two-sided bootstrap-t interval of the trimmed mean at `confidence`, consistent with the p-values:
 * its upper bound is ≤ θ0 exactly when pPass(θ0) ≤ (1 − confidence)/2, its lower bound ≥ θ0 when
 * pFail(θ0) ≤ (1 − confidence)/2 (up to ties). `tStar` sorted, as bootstrapT returns it.
 */
export function bootstrapInterval(
  tStar: Float64Array,
  estimate: number,
  se: number,
  confidence: number
): [number, number] {
  const a = (1 - confidence) / 2
  return bootstrapBounds(tStar, estimate, se, a, a)
}

/**
 * The bootstrap-t bounds at one-sided levels `aLow` (lower bound: pFail(θ0) ≤ aLow ⇔ bound ≥ θ0) and
 * `aHigh` (upper bound: pPass(θ0) ≤ aHigh ⇔ bound ≤ θ0); ∓Infinity when B is too small for the level.
 */
export function bootstrapBounds(
  tStar: Float64Array,
  estimate: number,
  se: number,
  aLow: number,
  aHigh: number
): [number, number] {
  const B = tStar.length
  // pFail(θ0) ≤ a ⇔ 1 + #{T* ≥ T} ≤ a(B + 1) ⇔ T > the (B − m)-th smallest T* (1-based), m = ⌊a(B + 1)⌋ − 1.
  const mLow = Math.floor(aLow * (B + 1) + 1e-9) - 1
  const mHigh = Math.floor(aHigh * (B + 1) + 1e-9) - 1
  return [
    mLow < 0 ? -Infinity : estimate - tStar[B - mLow - 1] * se,
    mHigh < 0 ? Infinity : estimate - tStar[mHigh] * se
  ]
}
