import { createLatencyHistogram, msToUs, summarizeLatency } from '../../../src/load/histogram.js'

test('quantiles of 1..10000 µs are within 0.1%', () => {
  const h = createLatencyHistogram()
  for (let v = 1; v <= 10000; v++) h.recordValue(v)
  const s = summarizeLatency(h)
  expect(s.count).toBe(10000)
  expect(s.meanUs).toBeCloseTo(5000.5, -1)
  const near = (actual: number, expected: number): void =>
    expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(0.001)
  near(s.p50Us, 5000)
  near(s.p90Us, 9000)
  near(s.p95Us, 9500)
  near(s.p99Us, 9900)
  near(s.p999Us, 9990)
  near(s.maxUs, 10000)
})

test('sub-millisecond values keep µs resolution', () => {
  const h = createLatencyHistogram()
  for (const ms of [0.123, 0.2, 0.2, 0.25, 0.9]) h.recordValue(msToUs(ms))
  const s = summarizeLatency(h)
  expect(s.p50Us).toBe(200)
  expect(s.maxUs).toBe(900)
})

test('values above 60 s are still recorded (the histogram grows)', () => {
  const h = createLatencyHistogram()
  h.recordValue(5)
  h.recordValue(120_000_000)
  const s = summarizeLatency(h)
  expect(s.count).toBe(2)
  expect(Math.abs(s.maxUs - 120_000_000) / 120_000_000).toBeLessThanOrEqual(0.001)
})

test('an empty histogram gives NaN quantiles, never 0', () => {
  const s = summarizeLatency(createLatencyHistogram())
  expect(s.count).toBe(0)
  for (const k of ['meanUs', 'p50Us', 'p99Us', 'maxUs'] as const) expect(Number.isNaN(s[k])).toBe(true)
})

test('msToUs rounds to whole µs with a floor of 1', () => {
  expect(msToUs(2.4567)).toBe(2457)
  expect(msToUs(0)).toBe(1)
})
