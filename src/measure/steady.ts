/**
 * When is a service warm? Pure rules over one arm's throughput, one value per slice of its load
 * (requests per second over the slice's measured part).
 *
 * The rule (a plain form of the steady-state checks JVM benchmark harnesses use, e.g. Georges et al.,
 * OOPSLA 2007; Traini et al., TOSEM 2022): the arm is steady once the mean of its last `half` slices
 * differs from the mean of the `half` slices before them by at most `tolerance` (relative). A service
 * still warming up (JIT tiers, agent class rewriting, caches) gets faster from one half to the next;
 * one that is warm only wobbles. It is checked after every slice, so warm-up ends as soon as it holds,
 * and never before `2 × half` slices.
 */

export interface SteadyRule {
  /** Slices in each of the two halves compared. */
  half: number
  /** Largest relative change between the halves' means that still counts as steady (0.015 = 1.5 %). */
  tolerance: number
}

/**
 * Default rule, chosen on warm-up curves of the Node and Java fixtures measured on the reference 2-core VM
 * (2026-12-06, bench/results/warmup.jsonl): 3 one-second slices per half and 3 %. A warm Node service's
 * one-second slices wobble by 5-8 % (GC, batch exports, the host), so 4 slices at 1.5 % often ran to the
 * cap on a service that was already warm; the Node fixture's start-up (its first 3-5 s at 30-80 % of its
 * speed) and the Java agent's (20-25 s climbing) are far larger than 3 % per 3 s.
 */
export const DEFAULT_STEADY_RULE: SteadyRule = { half: 3, tolerance: 0.03 }

/** What the rule says of a series: steady or not, and the relative change it saw (null: too few slices). */
export interface SteadyVerdict {
  steady: boolean
  change: number | null
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

/** Apply `rule` to the rates so far (oldest first). */
export function steadyState(rates: readonly number[], rule: SteadyRule = DEFAULT_STEADY_RULE): SteadyVerdict {
  if (!Number.isInteger(rule.half) || rule.half < 1) throw new Error(`steady rule: half must be ≥ 1, got ${rule.half}`)
  if (!(rule.tolerance > 0)) throw new Error(`steady rule: tolerance must be > 0, got ${rule.tolerance}`)
  if (rates.length < 2 * rule.half) return { steady: false, change: null }
  const recent = mean(rates.slice(-rule.half))
  const before = mean(rates.slice(-2 * rule.half, -rule.half))
  if (!(before > 0)) return { steady: false, change: null }
  const change = (recent - before) / before
  return { steady: Math.abs(change) <= rule.tolerance, change }
}
