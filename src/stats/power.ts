import { tQuantile } from './distributions.js'

/**
 * Smallest true mean log-ratio a paired t-test with n blocks and per-block SD `sd` detects with
 * probability `power` at two-sided level `alpha` (the usual (t_{1−α/2} + t_{power}) · sd/√n
 * approximation). On the QPS/latency scale, exp(mde) − 1. NaN when n < 2 or sd is not finite.
 * @deprecated Describes one plain t-test, not the rule applied (trimmed mean, Holm over the gated
 * comparisons, sequential looks): optimistic by ~1.6× at n = 8 with 4 gated comparisons. Reports
 * use minimumDetectableOverhead() from src/analysis/sensitivity.ts.
 */
export function minimumDetectableLogEffect(sd: number, n: number, alpha: number, power = 0.8): number {
  if (!(n >= 2) || !Number.isFinite(sd)) return NaN
  const df = n - 1
  return (tQuantile(1 - alpha / 2, df) + tQuantile(power, df)) * (sd / Math.sqrt(n))
}
