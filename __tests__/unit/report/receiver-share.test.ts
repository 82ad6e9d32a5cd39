/**
 * The receiver's CPU share per arm: whole worker-thread CPU when the rounds have it, decode-only CPU
 * otherwise, and the report says which (decode-only must never read as the receiver's whole cost).
 */
import { expect } from '@jest/globals'
import { summariseArms } from '../../../src/results/summary.js'
import { receiverLines } from '../../../src/report/markdown.js'
import { buildArms } from '../../../src/plan/plan.js'
import type { RoundResult } from '../../../src/types.js'
import { makeRound } from '../../helpers/rounds.js'

const ARMS = buildArms([1])

/** A traced round: `spans` counted over the service's life, `windowSpans` of them in the measured window, service CPU 2 s. */
function traced(
  block: number,
  cpu: Partial<Pick<RoundResult, 'receiverCpuSec' | 'receiverThreadCpuSec'>>,
  spans = 10_000,
  windowSpans = 8_000
): RoundResult {
  const resources = { cpuSeconds: 2, cpuPctAvg: 40, cpuPctPeak: 60, rssAvgBytes: 1e8, rssPeakBytes: 1.2e8, samples: 25 }
  const r = makeRound({ block, armId: 'on@1', qps: 1000, spans, resources })
  return {
    ...r,
    window: { spans: windowSpans, roots: windowSpans / 2, traces: windowSpans / 2, traceSpans: windowSpans },
    ...cpu
  }
}

function summaryOf(rounds: RoundResult[]) {
  return summariseArms(ARMS, rounds).find((s) => s.armId === 'on@1')!
}

describe('summariseArms: receiver CPU share', () => {
  test('whole thread CPU: per span times the window spans, over the service CPU', () => {
    // 0.05 s per 10k spans → 0.04 s for the 8k window spans, per round; 2 rounds over 2 × 2 s of service CPU.
    const s = summaryOf([traced(0, { receiverThreadCpuSec: 0.05 }), traced(1, { receiverThreadCpuSec: 0.05 })])
    expect(s.receiverCpuScope).toBe('thread')
    expect(s.receiverCpuShare).toBeCloseTo(0.08 / 4, 12)
  })

  test('decode-only CPU of older results (or the in-process receiver) keeps its scope', () => {
    const s = summaryOf([traced(0, { receiverCpuSec: 0.01 }), traced(1, { receiverCpuSec: 0.03 })])
    expect(s.receiverCpuScope).toBe('decode')
    expect(s.receiverCpuShare).toBeCloseTo((0.008 + 0.024) / 4, 12)
  })

  test('rounds of mixed or missing scope give no share rather than a mixed one', () => {
    expect(
      summaryOf([traced(0, { receiverThreadCpuSec: 0.05 }), traced(1, { receiverCpuSec: 0.01 })]).receiverCpuShare
    ).toBeUndefined()
    expect(summaryOf([traced(0, {}), traced(1, {})]).receiverCpuShare).toBeUndefined()
  })

  test('rounds without spans do not count against the scope', () => {
    const s = summaryOf([traced(0, { receiverThreadCpuSec: 0.05 }), traced(1, {}, 0, 0)])
    expect(s.receiverCpuScope).toBe('thread')
    expect(s.receiverCpuShare).toBeCloseTo(0.04 / 4, 12)
  })
})

describe('receiverLines: the report names what the share covers', () => {
  test('whole thread', () => {
    const lines = receiverLines(summariseArms(ARMS, [traced(0, { receiverThreadCpuSec: 0.05 })]))
    expect(lines[0]).toBe(
      "receiver CPU (its whole worker thread: transport, decoding, counting, GC) as a share of the service's CPU: on&#64;1 2.00%"
    )
  })

  test('decode-only says the transport is not included', () => {
    const lines = receiverLines(summariseArms(ARMS, [traced(0, { receiverCpuSec: 0.01 })]))
    expect(lines[0]).toMatch(
      /^receiver CPU \(decoding and counting only; the HTTP\/gRPC transport, several times more, is not included\) as a share of the service's CPU: on&#64;1 0\.40%$/
    )
  })

  test('no share, no line', () => {
    expect(receiverLines(summariseArms(ARMS, [traced(0, {})]))).toEqual([])
  })
})
