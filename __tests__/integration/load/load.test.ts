/** runLoad against real tiny servers on loopback (separate processes, so they do not share our event loop). */
import { runLoad, toLoadResult, type PhaseOutcome } from '../../../src/load/load.js'
import { createLatencyHistogram, summarizeLatency } from '../../../src/load/histogram.js'
import { tinyPool } from '../../helpers/tiny.js'
import { freePort } from '../../helpers/process.js'

const tinies = tinyPool()
afterAll(() => tinies.killAll())
const tiny = tinies.start

test('healthy server: QPS, counts and sub-millisecond µs quantiles', async () => {
  const s = await tiny()
  const progress: { elapsedSec: number; ok: number }[] = []
  const r = await runLoad({
    url: `http://127.0.0.1:${s.port}/`,
    // Few connections so that responses take ~100–300 µs: queueing would hide the resolution.
    connections: 1,
    warmupSec: 1,
    durationSec: 2,
    timeoutSec: 2,
    onProgress: (p) => progress.push(p)
  })
  expect(r.ok).toBeGreaterThan(0)
  expect(r.responses).toBe(r.ok)
  expect(r.non2xx + r.errors + r.timeouts).toBe(0)
  expect(r.errorRate).toBe(0)
  expect(r.qps).toBeCloseTo(r.ok / r.durationSec, 6)
  expect(r.durationSec).toBeGreaterThanOrEqual(1.9)
  expect(r.warmup.ok).toBeGreaterThan(0)
  expect(r.warmup.durationSec).toBeGreaterThanOrEqual(0.9)

  const l = r.latency
  expect(l.count).toBe(r.ok)
  expect(l.p50Us).toBeLessThanOrEqual(l.p90Us)
  expect(l.p90Us).toBeLessThanOrEqual(l.p95Us)
  expect(l.p95Us).toBeLessThanOrEqual(l.p99Us)
  expect(l.p99Us).toBeLessThanOrEqual(l.p999Us)
  expect(l.p999Us).toBeLessThanOrEqual(l.maxUs)
  expect(l.meanUs).toBeGreaterThan(0)
  // Whole-millisecond values (autocannon's own percentiles) would all be multiples of 1000 µs.
  expect(l.p50Us).toBeGreaterThan(0)
  expect([l.meanUs, l.p50Us, l.p90Us, l.p99Us, l.maxUs].some((v) => v % 1000 !== 0)).toBe(true)

  expect(progress.length).toBeGreaterThanOrEqual(1)
  for (const p of progress) expect(p.elapsedSec).toBeGreaterThan(0)
  expect(progress[progress.length - 1]!.ok).toBeLessThanOrEqual(r.ok)
})

test('server answering 500: non-2xx counted, errorRate ≈ 1, no latency recorded', async () => {
  const s = await tiny('http-500')
  const r = await runLoad({ url: `http://127.0.0.1:${s.port}/`, connections: 2, warmupSec: 0, durationSec: 1, timeoutSec: 2 })
  expect(r.non2xx).toBeGreaterThan(0)
  expect(r.responses).toBe(r.non2xx)
  expect(r.ok).toBe(0)
  expect(r.qps).toBe(0)
  expect(r.errorRate).toBeCloseTo(1, 6)
  expect(r.warmup).toEqual({ ok: 0, durationSec: 0 })
  expect(r.latency.count).toBe(0)
  expect(Number.isNaN(r.latency.p99Us)).toBe(true)
})

test('server that is down: socket errors counted, no timeouts', async () => {
  // A port that was free a moment ago and on which nothing listens.
  const port = await freePort()
  const r = await runLoad({ url: `http://127.0.0.1:${port}/`, connections: 2, warmupSec: 0, durationSec: 1, timeoutSec: 2 })
  expect(r.errors).toBeGreaterThan(0)
  expect(r.timeouts).toBe(0)
  expect(r.responses).toBe(0)
  expect(r.errorRate).toBe(1)
})

test('server that hangs: timeouts counted separately from errors', async () => {
  const s = await tiny('hang')
  const r = await runLoad({ url: `http://127.0.0.1:${s.port}/`, connections: 2, warmupSec: 0, durationSec: 2, timeoutSec: 1 })
  expect(r.timeouts).toBeGreaterThan(0)
  expect(r.errors).toBe(0)
  expect(r.responses).toBe(0)
  expect(r.errorRate).toBe(1)
})

test('invalid options are rejected with the bad value quoted', async () => {
  const base = { url: 'http://127.0.0.1:1/', connections: 1, warmupSec: 0, durationSec: 1, timeoutSec: 1 }
  await expect(runLoad({ ...base, connections: 0 })).rejects.toThrow("got '0'")
  await expect(runLoad({ ...base, timeoutSec: 0.5 })).rejects.toThrow("got '0.5'")
  await expect(runLoad({ ...base, durationSec: 0 })).rejects.toThrow('duration')
  await expect(runLoad({ ...base, url: 'ftp://x' })).rejects.toThrow("'ftp://x'")
})

test('an onProgress that throws fails the run instead of crashing the process', async () => {
  const s = await tiny()
  await expect(
    runLoad({
      url: `http://127.0.0.1:${s.port}/`,
      connections: 1,
      warmupSec: 0,
      durationSec: 2,
      timeoutSec: 1,
      onProgress: () => {
        throw new Error('progress sink broke')
      }
    })
  ).rejects.toThrow('progress sink broke')
})

describe('toLoadResult (boundary validation of autocannon results)', () => {
  const outcome = (result: Record<string, unknown>, ok: number, responses: number): PhaseOutcome => ({
    result: result as never,
    elapsedSec: 2,
    ok,
    responses,
    latency: summarizeLatency(createLatencyHistogram())
  })
  const base = { '1xx': 0, '2xx': 90, '3xx': 0, '4xx': 4, '5xx': 6, non2xx: 10, errors: 7, timeouts: 3 }

  test('splits timeouts out of errors and computes rates', () => {
    const r = toLoadResult(outcome(base, 90, 100))
    expect(r).toMatchObject({ responses: 100, ok: 90, non2xx: 10, errors: 4, timeouts: 3, qps: 45, durationSec: 2 })
    expect(r.errorRate).toBeCloseTo(17 / 107, 12)
  })

  test('rejects a result whose counts disagree with the response events', () => {
    expect(() => toLoadResult(outcome(base, 89, 100))).toThrow('disagree')
  })

  test('rejects malformed fields', () => {
    expect(() => toLoadResult(outcome({ ...base, timeouts: 'x' }, 90, 100))).toThrow("'timeouts'")
  })
})
