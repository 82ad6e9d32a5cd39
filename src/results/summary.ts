import { median } from 'simple-statistics'
import { meanSd } from '../stats/t-test.js'
import type { ArmSpec, RoundResult } from '../types.js'
import { cpuSecondsPerKiloRequest } from '../stats/log-ratios.js'

/** Per-arm aggregate over its rounds: medians of the per-round values (robust to one odd round). */
export interface ArmSummary {
  armId: string
  label: string
  samplingRate: number | null
  rounds: number
  qps: number
  /** Coefficient of variation of the per-round QPS (sd / mean), a quick noise indicator. */
  qpsCv: number
  p50Us: number
  p95Us: number
  p99Us: number
  p999Us: number
  /** Failed requests (non-2xx, errors, timeouts) over all rounds. */
  failed: number
  requests: number
  spans: number
  exportRequests: number
  otlpBytes: number
  /** Spans per successful request (warm-up included: the receiver counts the whole service lifetime). */
  spansPerRequest: number
  /** Spans per sampled trace in the measured windows (absent for results without windows). */
  spansPerTrace?: number
  /**
   * The gate's receiver CPU for this arm's measured spans, as a fraction of the service's own CPU over
   * the same window; what it covers is `receiverCpuScope`. Absent without spans or /proc data.
   */
  receiverCpuShare?: number
  /**
   * `thread`: the receiver's whole worker thread (transport, decoding, counting, GC on it);
   * `decode`: decoding and counting only (in-process receiver; the transport, 3–5× more, not included).
   */
  receiverCpuScope?: 'thread' | 'decode'
  /**
   * The same receiver CPU over the measured seconds: its share of the load generator's core while this arm
   * was loaded (the receivers run there, off the services' core). Absent when receiverCpuShare is.
   */
  receiverCoreShare?: number
  /** Projected OTLP bytes per second at this arm's median QPS. */
  otlpBytesPerSec: number
  /** Projected span storage per hour (OTLP wire bytes, decimal MB) at this arm's median QPS. */
  storageMBPerHour: number
  /** CPU and RSS of the service's process tree; only when every round of the arm has them. */
  resources?: ArmResources
}

/** Per-arm CPU and memory: medians of the per-round values, except the peaks (maximum over rounds). */
export interface ArmResources {
  /** CPU-seconds per 1,000 successful requests (median of the rounds). */
  cpuSecPerKReq: number
  cpuPctAvg: number
  cpuPctPeak: number
  rssAvgBytes: number
  rssPeakBytes: number
}

/** Resources of an arm's rounds, or undefined when any round lacks them (a partial median would mislead). */
function armResources(rs: readonly RoundResult[]): ArmResources | undefined {
  const all = rs.map((r) => r.resources)
  if (all.length === 0 || all.some((x) => x === undefined)) return undefined
  const res = all as NonNullable<RoundResult['resources']>[]
  return {
    cpuSecPerKReq: median(rs.map(cpuSecondsPerKiloRequest)),
    cpuPctAvg: median(res.map((x) => x.cpuPctAvg)),
    cpuPctPeak: Math.max(...res.map((x) => x.cpuPctPeak)),
    rssAvgBytes: median(res.map((x) => x.rssAvgBytes)),
    rssPeakBytes: Math.max(...res.map((x) => x.rssPeakBytes))
  }
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : 0
}

/**
 * The receiver's CPU for the spans of the measured windows over the service's CPU: each round's
 * receiver CPU per span (whole service lifetime) times its window's spans. Whole-thread CPU when every
 * round with spans has it, else decode-only CPU when every one has that, else null.
 */
function receiverShare(
  rs: readonly RoundResult[],
  windowed: boolean,
  serviceCpu: number
): { share: number; coreShare: number; scope: 'thread' | 'decode' } | null {
  const withSpans = rs.filter((r) => r.otlp.spans > 0)
  if (!windowed || serviceCpu <= 0 || withSpans.length === 0) return null
  const scope = withSpans.every((r) => r.receiverThreadCpuSec !== undefined)
    ? 'thread'
    : withSpans.every((r) => r.receiverCpuSec !== undefined)
      ? 'decode'
      : null
  if (scope === null) return null
  const cpuOf = (r: RoundResult): number => (scope === 'thread' ? r.receiverThreadCpuSec : r.receiverCpuSec) as number
  const receiverCpu = withSpans.reduce((a, r) => a + (cpuOf(r) / r.otlp.spans) * r.window!.spans, 0)
  const measuredSec = withSpans.reduce((a, r) => a + r.load.durationSec, 0)
  return { share: receiverCpu / serviceCpu, coreShare: measuredSec > 0 ? receiverCpu / measuredSec : 0, scope }
}

function cv(values: number[]): number {
  const { mean, sd } = meanSd(values)
  return sd / mean
}

/** Aggregate the rounds of each arm, in the arms' order. Arms without rounds are skipped. */
export function summariseArms(arms: readonly ArmSpec[], rounds: readonly RoundResult[]): ArmSummary[] {
  const out: ArmSummary[] = []
  for (const arm of arms) {
    const rs = rounds.filter((r) => r.armId === arm.id)
    if (rs.length === 0) continue
    const sum = (f: (r: RoundResult) => number): number => rs.reduce((a, r) => a + f(r), 0)
    const qps = median(rs.map((r) => r.load.qps))
    const okAll = sum((r) => r.load.ok + r.warmup.ok)
    const bytes = sum((r) => r.otlp.bytes)
    // Spans by their start inside the measured windows over the responses of those windows: warm-up,
    // readiness polls and later phases are out. Older results without windows: every span over every 2xx.
    const windowed = rs.every((r) => r.window !== undefined)
    const spansPerRequest = windowed
      ? ratio(
          sum((r) => r.window!.spans),
          sum((r) => r.load.responses)
        )
      : ratio(
          sum((r) => r.otlp.spans),
          okAll
        )
    const traces = windowed ? sum((r) => r.window!.traces) : 0
    const spansPerTrace = traces > 0 ? sum((r) => r.window!.traceSpans) / traces : null
    const serviceCpu = rs.every((r) => r.resources !== undefined) ? sum((r) => r.resources!.cpuSeconds) : 0
    const receiver = receiverShare(rs, windowed, serviceCpu)
    const bytesPerRequest = windowed
      ? ratio(
          bytes,
          sum((r) => r.otlp.spans)
        ) * spansPerRequest
      : ratio(bytes, okAll)
    const resources = armResources(rs)
    out.push({
      armId: arm.id,
      label: arm.label,
      samplingRate: arm.samplingRate,
      rounds: rs.length,
      qps,
      qpsCv: cv(rs.map((r) => r.load.qps)),
      p50Us: median(rs.map((r) => r.load.latency.p50Us)),
      p95Us: median(rs.map((r) => r.load.latency.p95Us)),
      p99Us: median(rs.map((r) => r.load.latency.p99Us)),
      p999Us: median(rs.map((r) => r.load.latency.p999Us)),
      failed: sum((r) => r.load.non2xx + r.load.errors + r.load.timeouts),
      requests: sum((r) => r.load.responses + r.load.errors + r.load.timeouts),
      spans: sum((r) => r.otlp.spans),
      exportRequests: sum((r) => r.otlp.requests),
      otlpBytes: bytes,
      spansPerRequest,
      ...(spansPerTrace !== null ? { spansPerTrace } : {}),
      ...(receiver !== null
        ? { receiverCpuShare: receiver.share, receiverCpuScope: receiver.scope, receiverCoreShare: receiver.coreShare }
        : {}),
      otlpBytesPerSec: bytesPerRequest * qps,
      storageMBPerHour: (bytesPerRequest * qps * 3600) / 1e6,
      ...(resources !== undefined ? { resources } : {})
    })
  }
  return out
}
