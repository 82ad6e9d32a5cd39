/**
 * Pure checks of span accounting (issue 12): did the service export as many sampled traces as its
 * sampler must have produced, and did spans per trace stay put across the rounds of one arm?
 *
 * At ratio r every one of N independent requests starts a sampled root span with probability r, so
 * the roots counted in the measured window are Binomial(N, r): mean N·r, σ = √(N·r·(1−r)). A count
 * more than 4σ away (plus the requests in flight at the window's edges) is not chance: below, the
 * export lost spans; above, something else was counted (readiness polls, warm-up, retries).
 *
 * At small r the binomial is right-skewed (Poisson-like), and a plain ±4σ band then alarms up to
 * 20× more often above than the normal 3e-5 per side (2e-4 at N·r = 20, 7e-4 at N·r = 5). The
 * band is therefore centred by the Cornish–Fisher skewness term: the z-quantile of Binomial(N, r) is
 * ≈ N·r + σ·z + (z² − 1)·(1 − 2r)/6, i.e. the ±4σ band moves up by 2.5·(1 − 2r) traces, which brings
 * both tails back to ≈ 3e-5 (checked against the exact binomial for N·r from 10 to 1000).
 */

/** Input of {@link checkSampling}. */
export interface SamplingInput {
  /** Requests completed in the measured window (the load generator's count, warm-up and probes excluded). */
  requests: number
  /** Root spans started in the same window (the receiver's `windowCounts(t0, t1).roots`). */
  roots: number
  /** The sampling ratio the arm configured (0…1). */
  ratio: number
  /**
   * Most requests in flight at either edge of the window (the closed loop's connections): roots
   * started minus requests completed in a window differs by up to this many, at ratio r by r× this.
   */
  inFlight?: number
  /** Spans per trace of the window, to express lost traces as spans (default 1). */
  spansPerTrace?: number
}

/** Verdict of {@link checkSampling}. */
export interface SamplingCheck {
  ok: boolean
  /** Expected roots N·r. */
  expected: number
  /** Binomial σ √(N·r·(1−r)). */
  sigma: number
  /** Centre of the allowed band: expected + 2.5·(1 − 2r) (skewness correction; = expected when σ = 0). */
  centre: number
  /** Allowed distance from `centre`: 4σ + r·inFlight. */
  tolerance: number
  /** (roots − expected) / σ, or null when σ = 0. */
  z: number | null
  /** Why the check failed (`ok` false), naming lost or extra spans. */
  error?: string
}

/**
 * What to try when the export falls behind the load: the OpenTelemetry SDKs' batch span processor drops spans once
 * its queue is full, and its one export thread keeps up only with batches large enough. Measured: the Java agent
 * at 100 % dropped 36 % of its spans at the defaults (queue 2048, batch 512) and none with a batch of 8192 and a
 * queue of 65 536 (docs/round-designs.md, "The Java agent at 100 %").
 */
export const EXPORT_QUEUE_HINT =
  'If the exporter falls behind, larger batches let it keep up: set OTEL_BSP_MAX_EXPORT_BATCH_SIZE (default 512) ' +
  'and OTEL_BSP_MAX_QUEUE_SIZE (default 2048) in the `env` input, e.g. 8192 and 65536.'

/** Distance from the expected count, in σ, beyond which the sampled fraction is an error. */
export const SAMPLING_SIGMAS = 4
// Cornish–Fisher: (z² − 1) / 6 at z = 4, times the skewness σ·γ = 1 − 2r.
const SKEW_SHIFT = (SAMPLING_SIGMAS ** 2 - 1) / 6

function checkCount(name: string, v: number, integer: boolean): void {
  if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    throw new RangeError(
      `checkSampling: '${name}' must be a non-negative ${integer ? 'integer' : 'number'}, got ${String(v)}`
    )
  }
}

/** Checks the sampled roots of a window against Binomial(requests, ratio) at {@link SAMPLING_SIGMAS}σ. */
export function checkSampling(input: SamplingInput): SamplingCheck {
  const { requests: n, roots, ratio: r } = input
  const inFlight = input.inFlight ?? 0
  const spt = input.spansPerTrace ?? 1
  checkCount('requests', n, true)
  checkCount('roots', roots, true)
  checkCount('inFlight', inFlight, false)
  checkCount('spansPerTrace', spt, false)
  if (!(r >= 0 && r <= 1)) throw new RangeError(`checkSampling: 'ratio' must be within [0, 1], got ${String(r)}`)
  const expected = n * r
  const sigma = Math.sqrt(n * r * (1 - r))
  const centre = sigma > 0 ? expected + SKEW_SHIFT * (1 - 2 * r) : expected
  const tolerance = SAMPLING_SIGMAS * sigma + r * inFlight
  const z = sigma > 0 ? (roots - expected) / sigma : null
  const base = { expected, sigma, centre, tolerance, z }
  const gap = roots - expected
  if (Math.abs(roots - centre) <= tolerance) return { ok: true, ...base }
  const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`
  const spans = (x: number): string => `${Math.round(x * spt)}`
  const band = `${Math.max(0, Math.ceil(centre - tolerance))}–${Math.floor(centre + tolerance)}`
  if (roots < centre) {
    return {
      ok: false,
      ...base,
      error:
        `export dropped ${spans(-gap)} of ≈${spans(expected)} expected spans: ${roots} sampled traces started in the ` +
        `measured window, but ${n} requests at sampling ratio ${r} make ≈${expected.toFixed(0)} (${SAMPLING_SIGMAS}σ ` +
        `band ${band}); ${pct(-gap / expected)} of the traces never reached the receiver (exporter queue full, spans ` +
        `dropped at shutdown, or a lower sampling ratio than configured). ${EXPORT_QUEUE_HINT}`
    }
  }
  return {
    ok: false,
    ...base,
    error:
      `${Math.round(gap)} extra sampled traces: ${roots} started in the measured window, but ${n} requests at ` +
      `sampling ratio ${r} make ≈${expected.toFixed(0)} (${SAMPLING_SIGMAS}σ band ${band}); traces not caused by the ` +
      `measured requests were counted (readiness polls, retries, background work) or the service samples more than ` +
      `configured`
  }
}

/** One round's spans-per-trace input to {@link checkSpansPerTrace}. */
export interface RoundSpans {
  /** Distinct traces started in the round's measured window. */
  traces: number
  /** Spans of those traces. */
  traceSpans: number
  /** Label used in messages, e.g. "round 3 (block 2)". */
  label?: string
}

/** A round flagged by {@link checkSpansPerTrace}. */
export interface SpansPerTraceDrop {
  index: number
  spansPerTrace: number
  reference: number
  /** Estimated spans lost: (reference − spansPerTrace) × traces. */
  lostSpans: number
  message: string
}

/** Relative floor of the tolerance: a drop of less than 1 % of spans per trace is never flagged. */
export const SPANS_PER_TRACE_FLOOR = 0.01

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * Flags rounds of ONE arm whose spans per trace fell below the arm's median by more than noise.
 * Noise is the larger of: 4 × the rounds' robust SD (1.4826 × MAD), 4 × the Poisson standard error
 * of a round's mean √(m / traces) (spans per trace varying from request to request), and 1 % of the
 * median. Rounds without traces are skipped; fewer than 3 usable rounds flag nothing (no reference).
 */
export function checkSpansPerTrace(rounds: readonly RoundSpans[]): SpansPerTraceDrop[] {
  const usable = rounds
    .map((r, index) => ({ ...r, index, spt: r.traces > 0 ? r.traceSpans / r.traces : NaN }))
    .filter((r) => Number.isFinite(r.spt))
  if (usable.length < 3) return []
  const m = median(usable.map((r) => r.spt))
  const robustSd = 1.4826 * median(usable.map((r) => Math.abs(r.spt - m)))
  const drops: SpansPerTraceDrop[] = []
  for (const r of usable) {
    const tolerance = Math.max(4 * robustSd, 4 * Math.sqrt(m / r.traces), SPANS_PER_TRACE_FLOOR * m)
    if (m - r.spt <= tolerance) continue
    const lostSpans = Math.round((m - r.spt) * r.traces)
    const expected = Math.round(m * r.traces)
    drops.push({
      index: r.index,
      spansPerTrace: r.spt,
      reference: m,
      lostSpans,
      message:
        `${r.label ?? `round ${r.index + 1}`}: export dropped ${lostSpans} of ≈${expected} expected spans: ` +
        `${r.spt.toFixed(2)} spans per trace vs ${m.toFixed(2)} (median of this arm's rounds; noise allows ` +
        `${tolerance.toFixed(2)})`
    })
  }
  return drops
}

/** One error for the flagged rounds of {@link checkSpansPerTrace}: a line per round, then the hint once. */
export function spansPerTraceError(drops: readonly SpansPerTraceDrop[]): string {
  return `${drops.map((d) => d.message).join('\n')}\n${EXPORT_QUEUE_HINT}`
}
