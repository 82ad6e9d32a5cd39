/**
 * `processes-per-arm`: the processes of one arm in a block merge into the arm's round — sums of counts,
 * QPS, spans and CPU, the union of their latencies, the error rate from the summed counts. Pure.
 */
import { expect } from '@jest/globals'
import { createLatencyHistogram, summarizeLatency, type LatencyHistogram } from '../../../src/load/histogram.js'
import { mergeReplicas, splitConnections, type ReplicaPart } from '../../../src/measure/replicas.js'
import type { RoundResult } from '../../../src/types.js'
import { makeRound } from '../../helpers/rounds.js'

function histogramOf(values: readonly number[]): LatencyHistogram {
  const h = createLatencyHistogram()
  for (const v of values) h.recordValue(v)
  return h
}

/** One process's round: `latencies` are its 2xx latencies in µs over a 10 s window. */
function part(o: {
  slot: number
  port: number
  latencies: number[]
  non2xx?: number
  cpu?: number
  spans?: number
  okPerSecond?: number[]
  armId?: string
  block?: number
}): ReplicaPart {
  const histogram = histogramOf(o.latencies)
  const base = makeRound({
    block: o.block ?? 3,
    armId: o.armId ?? 'off',
    qps: o.latencies.length / 10,
    durationSec: 10,
    non2xx: o.non2xx ?? 0,
    spans: o.spans ?? 0,
    ...(o.cpu !== undefined
      ? {
          resources: {
            cpuSeconds: o.cpu,
            cpuPctAvg: o.cpu * 10,
            cpuPctPeak: o.cpu * 12,
            rssAvgBytes: 5e7,
            rssPeakBytes: 6e7,
            samples: 51
          }
        }
      : {})
  })
  const round: RoundResult = {
    ...base,
    port: o.port,
    slot: o.slot,
    order: o.slot,
    sharedCpus: 1,
    load: {
      ...base.load,
      latency: summarizeLatency(histogram),
      ...(o.okPerSecond ? { okPerSecond: o.okPerSecond } : {})
    },
    window: { spans: o.spans ?? 0, roots: (o.spans ?? 0) / 2, traces: (o.spans ?? 0) / 2, traceSpans: o.spans ?? 0 },
    receiverThreadCpuSec: 0.01 * (o.spans ?? 0)
  }
  return { round, histogram, connections: 25 }
}

const slow = Array.from({ length: 400 }, (_, i) => 2000 + (i % 40) * 100) // 2.0–5.9 ms
const fast = Array.from({ length: 600 }, (_, i) => 1000 + (i % 20) * 50) // 1.0–1.95 ms

test('counts, QPS, spans and CPU add up; the first slot speaks for port and slot; each process is kept', () => {
  const m = mergeReplicas([
    part({ slot: 2, port: 4002, latencies: slow, cpu: 3, spans: 80 }),
    part({ slot: 0, port: 4000, latencies: fast, cpu: 2, spans: 120 })
  ])
  expect(m.load.ok).toBe(1000)
  expect(m.load.qps).toBeCloseTo(100, 10)
  expect(m.load.responses).toBe(1000)
  expect(m.port).toBe(4000)
  expect(m.slot).toBe(0)
  expect(m.order).toBe(0)
  expect(m.otlp.spans).toBe(200)
  expect(m.window).toEqual({ spans: 200, roots: 100, traces: 100, traceSpans: 200 })
  expect(m.receiverThreadCpuSec).toBeCloseTo(2, 10)
  expect(m.resources?.cpuSeconds).toBe(5)
  expect(m.resources?.rssPeakBytes).toBe(1.2e8)
  expect(m.resources?.samples).toBe(51)
  expect(m.replicas?.map((r) => [r.slot, r.port, r.ok, r.cpuSeconds])).toEqual([
    [0, 4000, 600, 2],
    [2, 4002, 400, 3]
  ])
})

test('latency is the union of the processes latencies, not an average of their percentiles', () => {
  const m = mergeReplicas([part({ slot: 0, port: 1, latencies: slow }), part({ slot: 1, port: 2, latencies: fast })])
  const union = summarizeLatency(histogramOf([...slow, ...fast]))
  expect(m.load.latency).toEqual(union)
  // The mean of the two P99s would be far from the union's P99 here.
  const meanOfP99 = (summarizeLatency(histogramOf(slow)).p99Us + summarizeLatency(histogramOf(fast)).p99Us) / 2
  expect(Math.abs(m.load.latency.p99Us - meanOfP99)).toBeGreaterThan(1000)
})

test('the error rate comes from the summed counts', () => {
  const m = mergeReplicas([
    part({ slot: 0, port: 1, latencies: fast, non2xx: 100 }),
    part({ slot: 1, port: 2, latencies: slow })
  ])
  expect(m.load.non2xx).toBe(100)
  expect(m.load.errorRate).toBeCloseTo(100 / 1100, 12)
})

test('per-second counts add second by second; a process without them drops the series', () => {
  const a = part({ slot: 0, port: 1, latencies: fast, okPerSecond: [60, 60, 61] })
  const b = part({ slot: 1, port: 2, latencies: slow, okPerSecond: [40, 41, 39] })
  expect(mergeReplicas([a, b]).load.okPerSecond).toEqual([100, 101, 100])
  expect(mergeReplicas([a, part({ slot: 1, port: 2, latencies: slow })]).load.okPerSecond).toBeUndefined()
})

test('CPU is reported only when every process has it', () => {
  expect(
    mergeReplicas([part({ slot: 0, port: 1, latencies: fast, cpu: 2 }), part({ slot: 1, port: 2, latencies: slow })])
      .resources
  ).toBeUndefined()
})

test('one process: its round unchanged; processes of different arms or blocks are refused', () => {
  const one = part({ slot: 0, port: 1, latencies: fast })
  expect(mergeReplicas([one])).toBe(one.round)
  expect(() => mergeReplicas([one, part({ slot: 1, port: 2, latencies: slow, armId: 'on@0.01' })])).toThrow(/mixed/)
  expect(() => mergeReplicas([one, part({ slot: 1, port: 2, latencies: slow, block: 4 })])).toThrow(/mixed/)
  expect(() => mergeReplicas([])).toThrow(/no processes/)
})

test('connections split as evenly as possible, the remainder to the first processes', () => {
  expect(splitConnections(50, 2)).toEqual([25, 25])
  expect(splitConnections(50, 3)).toEqual([17, 17, 16])
  expect(splitConnections(3, 3)).toEqual([1, 1, 1])
  expect(splitConnections(7, 1)).toEqual([7])
})
