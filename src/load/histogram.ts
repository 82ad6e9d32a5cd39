/**
 * Microsecond latency histogram. autocannon's own histogram truncates to whole milliseconds
 * (lowestDiscernibleValue 1 on ms values), so a 2.46 ms P99 reads "2"; we record each response
 * ourselves in µs instead.
 */
import * as hdr from 'hdr-histogram-js'
import type { LatencySummary } from '../types.js'

/** The histogram type used for latencies (hdr-histogram-js). */
export type LatencyHistogram = hdr.Histogram

/** Initial highest trackable value: 60 s in µs (the histogram grows beyond it if needed). */
const HIGHEST_US = 60_000_000

/**
 * A histogram for latencies in µs: 1 µs resolution floor, 3 significant digits (values within
 * 0.1%), plain JS 32-bit buckets (no WebAssembly, so it bundles with ncc as is).
 */
export function createLatencyHistogram(): LatencyHistogram {
  return hdr.build({
    bitBucketSize: 32,
    // Values above HIGHEST_US (a request timeout above 60 s) grow the histogram instead of being lost.
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false
  })
}

/** Milliseconds (fractional, as autocannon's `response` event gives them) to whole µs, at least 1. */
export function msToUs(ms: number): number {
  return Math.max(1, Math.round(ms * 1000))
}

/**
 * Quantiles of a latency histogram. With no recorded value every quantile is NaN (not 0), so an
 * empty round can never look infinitely fast to the comparison downstream.
 */
export function summarizeLatency(h: LatencyHistogram): LatencySummary {
  const count = h.totalCount
  if (count === 0) {
    return { count: 0, meanUs: NaN, p50Us: NaN, p90Us: NaN, p95Us: NaN, p99Us: NaN, p999Us: NaN, maxUs: NaN }
  }
  return {
    count,
    meanUs: h.mean,
    p50Us: h.getValueAtPercentile(50),
    p90Us: h.getValueAtPercentile(90),
    p95Us: h.getValueAtPercentile(95),
    p99Us: h.getValueAtPercentile(99),
    p999Us: h.getValueAtPercentile(99.9),
    maxUs: h.maxValue
  }
}
