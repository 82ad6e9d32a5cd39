/**
 * `processes-per-arm` above 1: the processes of one arm in one block, merged into the arm's result for
 * that block. Pure (plain data and in-memory histograms in, plain data out).
 *
 * Why merge rather than count each process as a block of its own: a process keeps its own speed offset
 * for its whole life (docs/accuracy.md: "What sets the SD"), so the block's arm result is the mean of k
 * independent draws of that offset, and the per-block spread falls by about √k. Counting each process as
 * a block would leave the per-block spread as it is and pretend the k processes of one wall-clock
 * window were k independent blocks of the host's speed.
 *
 * Merged: counts, QPS (each process's 2xx in the common window / its length), spans, receiver CPU and
 * the process trees' CPU and RSS are sums; latency is the union of the processes' 2xx latencies (their
 * histograms added); the error rate is recomputed from the summed counts; per-second 2xx counts add
 * element by element. The CPU % peak and the RSS peak are sums of each process's peak: an upper bound
 * of the arm's peak (the peaks need not coincide).
 */
import { sum } from 'simple-statistics'
import { createLatencyHistogram, summarizeLatency, type LatencyHistogram } from '../load/histogram.js'
import { errorRateOf } from '../load/load.js'
import type { LoadResult, ReplicaSummary, ResourceUsage, RoundResult, SpanWindowCounts } from '../types.js'
import { mergeCollectorUsage } from './collector-usage.js'

/** One process of an arm in a block: its checked round and its window's latency histogram. */
export interface ReplicaPart {
  round: RoundResult
  histogram: LatencyHistogram
  connections: number
}

/** Element-by-element sum; undefined unless every process has the series and all have one length. */
function sumSeries(series: ReadonlyArray<readonly number[] | undefined>): number[] | undefined {
  if (series.some((s) => s === undefined)) return undefined
  const all = series as ReadonlyArray<readonly number[]>
  const n = all[0]?.length ?? 0
  if (all.some((s) => s.length !== n)) return undefined
  return Array.from({ length: n }, (_, i) => sum(all.map((s) => s[i] as number)))
}

/** A field summed over the parts, or undefined when any part lacks it. */
function sumOptional<T>(parts: readonly T[], get: (p: T) => number | undefined): number | undefined {
  const xs = parts.map(get)
  return xs.some((x) => x === undefined) ? undefined : sum(xs as number[])
}

function mergeLoad(parts: readonly ReplicaPart[]): LoadResult {
  const loads = parts.map((p) => p.round.load)
  const hist = createLatencyHistogram()
  for (const p of parts) hist.add(p.histogram)
  const responses = sum(loads.map((l) => l.responses))
  const ok = sum(loads.map((l) => l.ok))
  const non2xx = sum(loads.map((l) => l.non2xx))
  const errors = sum(loads.map((l) => l.errors))
  const timeouts = sum(loads.map((l) => l.timeouts))
  const okPerSecond = sumSeries(loads.map((l) => l.okPerSecond))
  return {
    // One shared window: every process of the block was measured over the same seconds.
    durationSec: Math.max(...loads.map((l) => l.durationSec)),
    responses,
    ok,
    non2xx,
    errors,
    timeouts,
    qps: sum(loads.map((l) => l.qps)),
    errorRate: errorRateOf({ responses, non2xx, errors, timeouts }),
    latency: summarizeLatency(hist),
    ...(okPerSecond !== undefined ? { okPerSecond } : {})
  }
}

function mergeResources(parts: readonly ReplicaPart[]): ResourceUsage | undefined {
  const rs = parts.map((p) => p.round.resources)
  if (rs.some((r) => r === undefined)) return undefined
  const all = rs as ResourceUsage[]
  return {
    cpuSeconds: sum(all.map((r) => r.cpuSeconds)),
    cpuPctAvg: sum(all.map((r) => r.cpuPctAvg)),
    cpuPctPeak: sum(all.map((r) => r.cpuPctPeak)),
    rssAvgBytes: sum(all.map((r) => r.rssAvgBytes)),
    rssPeakBytes: sum(all.map((r) => r.rssPeakBytes)),
    samples: Math.min(...all.map((r) => r.samples))
  }
}

function mergeWindow(parts: readonly ReplicaPart[]): SpanWindowCounts | undefined {
  const ws = parts.map((p) => p.round.window)
  if (ws.some((w) => w === undefined)) return undefined
  const all = ws as SpanWindowCounts[]
  return {
    spans: sum(all.map((w) => w.spans)),
    roots: sum(all.map((w) => w.roots)),
    traces: sum(all.map((w) => w.traces)),
    traceSpans: sum(all.map((w) => w.traceSpans))
  }
}

function summary(p: ReplicaPart): ReplicaSummary {
  const r = p.round
  return {
    port: r.port,
    slot: r.slot ?? 0,
    connections: p.connections,
    qps: r.load.qps,
    ok: r.load.ok,
    p99Us: r.load.latency.p99Us,
    ...(r.resources !== undefined ? { cpuSeconds: r.resources.cpuSeconds } : {})
  }
}

/**
 * The arm's round for the block from its processes' rounds (each already checked on its own). Throws
 * on parts of different blocks or arms, or with further phases (not measured with several processes).
 */
export function mergeReplicas(parts: readonly ReplicaPart[]): RoundResult {
  const first = parts[0]
  if (first === undefined) throw new Error('mergeReplicas: no processes to merge')
  if (parts.length === 1) return first.round
  for (const p of parts) {
    if (p.round.block !== first.round.block || p.round.armId !== first.round.armId) {
      throw new Error(
        `mergeReplicas: block ${p.round.block + 1} arm ${p.round.armId} mixed with block ${first.round.block + 1} ` +
          `arm ${first.round.armId}`
      )
    }
    if (p.round.phases !== undefined)
      throw new Error('mergeReplicas: further phases are not measured with several processes per arm')
  }
  const rounds = parts.map((p) => p.round)
  const bySlot = [...parts].sort((a, b) => (a.round.slot ?? 0) - (b.round.slot ?? 0))
  const lead = (bySlot[0] as ReplicaPart).round
  const window = mergeWindow(parts)
  const resources = mergeResources(parts)
  const receiverCpuSec = sumOptional(rounds, (r) => r.receiverCpuSec)
  const receiverThreadCpuSec = sumOptional(rounds, (r) => r.receiverThreadCpuSec)
  const forced = rounds.map((r) => r.forcedStopSec).filter((x): x is number => x !== undefined)
  const collector = mergeCollectorUsage(rounds.map((r) => r.collector))
  return {
    block: lead.block,
    order: Math.min(...rounds.map((r) => r.order)),
    armId: lead.armId,
    startedAt: rounds.map((r) => r.startedAt).sort()[0] as string,
    port: lead.port,
    ...(lead.slot !== undefined ? { slot: lead.slot } : {}),
    ...(lead.sharedCpus !== undefined ? { sharedCpus: lead.sharedCpus } : {}),
    ...(lead.runner !== undefined ? { runner: lead.runner } : {}),
    ...(forced.length > 0 ? { forcedStopSec: Math.max(...forced) } : {}),
    ...(collector !== undefined ? { collector } : {}),
    replicas: bySlot.map(summary),
    load: mergeLoad(parts),
    warmup: {
      ok: sum(rounds.map((r) => r.warmup.ok)),
      durationSec: Math.max(...rounds.map((r) => r.warmup.durationSec))
    },
    otlp: {
      spans: sum(rounds.map((r) => r.otlp.spans)),
      requests: sum(rounds.map((r) => r.otlp.requests)),
      bytes: sum(rounds.map((r) => r.otlp.bytes)),
      rejected: sum(rounds.map((r) => r.otlp.rejected))
    },
    ...(window !== undefined ? { window } : {}),
    ...(receiverCpuSec !== undefined ? { receiverCpuSec } : {}),
    ...(receiverThreadCpuSec !== undefined ? { receiverThreadCpuSec } : {}),
    ...(resources !== undefined ? { resources } : {})
  }
}

/** The arm's connections split as evenly as possible among its k processes (the first ones get the remainder). */
export function splitConnections(connections: number, k: number): number[] {
  return Array.from({ length: k }, (_, r) => Math.floor(connections / k) + (r < connections % k ? 1 : 0))
}
