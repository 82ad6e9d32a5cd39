import { normPdf, normQuantile, normSf } from './normal.js'

/**
 * Lan–DeMets alpha-spending functions α(t) for information fraction t ∈ [0, 1]:
 * 'obrien-fleming' = 2 − 2Φ(z_{1−α/2}/√t) (spends almost nothing early), 'pocock' = α·ln(1 + (e − 1)t)
 * (spends evenly, stops clear cases early).
 */
export type SpendingFunction = 'obrien-fleming' | 'pocock'

/** Cumulative one-sided alpha spent by information fraction `t` under `fn` at total level `alpha`. */
export function alphaSpent(fn: SpendingFunction, alpha: number, t: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha spending: alpha must be in (0, 1), got ${alpha}`)
  if (!(t >= 0 && t <= 1)) throw new RangeError(`alpha spending: information fraction must be in [0, 1], got ${t}`)
  if (t === 0) return 0
  if (t === 1) return alpha
  switch (fn) {
    case 'obrien-fleming':
      return 2 * normSf(normQuantile(1 - alpha / 2) / Math.sqrt(t))
    case 'pocock':
      return alpha * Math.log(1 + (Math.E - 1) * t)
    default:
      throw new RangeError(`unknown spending function '${String(fn)}' (expected 'obrien-fleming' or 'pocock')`)
  }
}

// Lexical binding for the integration loops: under a vm context (jest) each global lookup is an interceptor call.
const { sqrt } = Math

/** Grid of the recursive numerical integration: points per look and the lower end of the z grid. */
const GRID_POINTS = 401
const Z_MIN = -10
/** Boundaries above this are treated as "cannot cross" (a look that spends ~no alpha). */
const Z_MAX = 30

interface Density {
  z: Float64Array
  w: Float64Array // density × Simpson weight, so sums are integrals
}

function simpsonGrid(lo: number, hi: number, f: (z: number) => number): Density {
  const n = GRID_POINTS
  const h = (hi - lo) / (n - 1)
  const z = new Float64Array(n)
  const w = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    z[i] = lo + i * h
    const simpson = i === 0 || i === n - 1 ? 1 : i % 2 === 1 ? 4 : 2
    w[i] = (f(z[i]) * simpson * h) / 3
  }
  return { z, w }
}

/** P(Z_{j+1} ≥ c, Z_1 < c_1 … Z_j < c_j) from the sub-density of Z_j on its continuation region. */
function crossing(prev: Density, tPrev: number, tNext: number, c: number, drift: number): number {
  const sd = sqrt(tNext - tPrev)
  const rootPrev = sqrt(tPrev)
  const cNext = c * sqrt(tNext)
  let p = 0
  for (let i = 0; i < prev.z.length; i++) {
    // S = Z√t; S_{j+1} = S_j + N(drift·Δt, Δt).
    const mean = prev.z[i] * rootPrev + drift * (tNext - tPrev)
    p += prev.w[i] * normSf((cNext - mean) / sd)
  }
  return p
}

function advance(prev: Density, tPrev: number, tNext: number, c: number, drift: number): Density {
  const sd = sqrt(tNext - tPrev)
  const rootNext = sqrt(tNext)
  const scale = rootNext / sd
  const z = prev.z
  const w = prev.w
  // The conditional means do not depend on y: computed once, not 401 times.
  const means = z.map((zi) => zi * sqrt(tPrev) + drift * (tNext - tPrev))
  return simpsonGrid(Z_MIN, Math.min(c, Z_MAX), (y) => {
    const yy = y * rootNext
    let s = 0
    for (let i = 0; i < z.length; i++) s += w[i] * normPdf((yy - means[i]) / sd)
    return s * scale
  })
}

function checkFractions(fractions: readonly number[], complete = true): void {
  if (fractions.length === 0) throw new RangeError('group-sequential design needs at least one look')
  fractions.forEach((t, i) => {
    const prev = i === 0 ? 0 : fractions[i - 1]
    if (!(t > prev && t <= 1)) {
      throw new RangeError(`information fractions must increase within (0, 1], got ${fractions.join(', ')}`)
    }
  })
  if (complete && fractions[fractions.length - 1] !== 1)
    throw new RangeError(`the last information fraction must be 1, got ${fractions.join(', ')}`)
}

/**
 * One-sided upper z boundaries c_1 … c_K of a group-sequential test at level `alpha` with
 * information `fractions` (increasing, last = 1): P_0(Z_j ≥ c_j for some j) = alpha, the j-th look
 * spending alphaSpent(t_j) − alphaSpent(t_{j−1}). Computed by the recursive numerical integration
 * of Armitage, McPherson & Rowe (1969) / Jennison & Turnbull (2000, ch. 19) on a Simpson grid.
 * With `finalSpendsAll` the last fraction may be below 1 and its look spends all of α not yet
 * spent: the final analysis of a run stopped early for a reason independent of the data (its
 * time budget), which keeps the level exactly α (Lan & DeMets 1983; Jennison & Turnbull §7.2.2).
 * With `fixed` the first looks keep those boundaries (looks already taken under an earlier plan of
 * the same run): what they spent is counted, and the later looks spend α(t) minus it (never below 0).
 * The crossing probabilities depend only on the ratios of the blocks at the looks, so a re-planned
 * maximum (a time budget read from the measured block time) leaves the earlier looks' meaning intact.
 */
export function efficacyBoundaries(
  fractions: readonly number[],
  alpha: number,
  fn: SpendingFunction,
  opts: { finalSpendsAll?: boolean; fixed?: readonly number[] } = {}
): number[] {
  checkFractions(fractions, opts.finalSpendsAll !== true)
  const fixed = opts.fixed ?? []
  if (fixed.length >= fractions.length)
    throw new RangeError(
      `fixed boundaries (${fixed.length}) must leave at least one look of ${fractions.length} to plan`
    )
  const bounds: number[] = []
  let density: Density | null = null
  let tPrev = 0
  let spentSoFar = 0
  for (const [j, t] of fractions.entries()) {
    // A look made final early (a run cut by its time budget, not by its data) spends what is left.
    const spendAll = opts.finalSpendsAll === true && j === fractions.length - 1
    const target = (spendAll ? alpha : alphaSpent(fn, alpha, t)) - spentSoFar
    const cross = (c: number): number => (density === null ? normSf(c) : crossing(density, tPrev, t, c, 0))
    const c = j < fixed.length ? fixed[j] : target <= 0 ? Z_MAX : bisect((c) => cross(c) - target, -5, Z_MAX)
    bounds.push(c)
    spentSoFar += cross(c)
    density = density === null ? simpsonGrid(Z_MIN, Math.min(c, Z_MAX), normPdf) : advance(density, tPrev, t, c, 0)
    tPrev = t
  }
  return bounds
}

/**
 * Probability that a z process with drift `drift` (E[Z_j] = drift·√t_j) crosses the upper
 * `bounds` at some look: the power of the group-sequential test (drift 0 gives its level).
 * The fractions may stop short of 1 (a run cut before its last planned look).
 */
export function crossingProbability(fractions: readonly number[], bounds: readonly number[], drift: number): number {
  checkFractions(fractions, false)
  if (bounds.length !== fractions.length)
    throw new RangeError(`need one boundary per look: ${bounds.length} bounds, ${fractions.length} looks`)
  let total = 0
  let density: Density | null = null
  let tPrev = 0
  fractions.forEach((t, j) => {
    const c = bounds[j]
    if (density === null) {
      total += normSf(c - drift * Math.sqrt(t))
      density = simpsonGrid(Z_MIN, Math.min(c, Z_MAX), (z) => normPdf(z - drift * Math.sqrt(t)))
    } else {
      total += crossing(density, tPrev, t, c, drift)
      density = advance(density, tPrev, t, c, drift)
    }
    tPrev = t
  })
  return total
}

/** Root of a decreasing function on [lo, hi] by bisection (60 halvings: far below the grid error). */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  if (f(hi) > 0) return hi
  if (f(lo) < 0) return lo
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2
    if (f(mid) > 0) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}
