/** runLoad against real tiny servers on loopback (separate processes, so they do not share our event loop). */
import { runLoad, toLoadResult, type PhaseOutcome } from '../../../src/load/load.js'
import { createLatencyHistogram, summarizeLatency } from '../../../src/load/histogram.js'
import { placeInWindow, windowAfter, WINDOW_TAIL_MS } from '../../../src/load/window.js'
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
  expect(r.durationSec).toBe(2)
  expect(r.warmup.ok).toBeGreaterThan(0)
  expect(r.warmup.durationSec).toBe(1)
  // Every 2xx of the window falls in one of its seconds.
  expect(r.okPerSecond).toHaveLength(2)
  expect((r.okPerSecond as number[]).reduce((a, b) => a + b, 0)).toBe(r.ok)

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
  const r = await runLoad({
    url: `http://127.0.0.1:${s.port}/`,
    connections: 2,
    warmupSec: 0,
    durationSec: 1,
    timeoutSec: 2
  })
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
  const r = await runLoad({
    url: `http://127.0.0.1:${port}/`,
    connections: 2,
    warmupSec: 0,
    durationSec: 1,
    timeoutSec: 2
  })
  expect(r.errors).toBeGreaterThan(0)
  expect(r.timeouts).toBe(0)
  expect(r.responses).toBe(0)
  expect(r.errorRate).toBe(1)
})

test('server that hangs: timeouts counted separately from errors', async () => {
  const s = await tiny('hang')
  const r = await runLoad({
    url: `http://127.0.0.1:${s.port}/`,
    connections: 2,
    warmupSec: 0,
    durationSec: 2,
    timeoutSec: 1
  })
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
  const tally = (ok: number, responses: number, errors: number, timeouts: number) => ({
    ok,
    responses,
    errors,
    timeouts
  })
  const outcome = (
    result: Record<string, unknown>,
    total = tally(90, 100, 4, 3),
    inside = tally(80, 88, 2, 1)
  ): PhaseOutcome => ({
    result: result as never,
    windowSec: 2,
    total,
    before: tally(10, 12, 2, 2),
    inside,
    okPerSecond: [39, 41],
    warmupSec: 1,
    latency: summarizeLatency(createLatencyHistogram()),
    histogram: createLatencyHistogram()
  })
  const base = { '1xx': 0, '2xx': 90, '3xx': 0, '4xx': 4, '5xx': 6, non2xx: 10, errors: 7, timeouts: 3 }

  test("gives the window's counts, timeouts split out of errors, and its rates", () => {
    const r = toLoadResult(outcome(base))
    expect(r).toMatchObject({
      responses: 88,
      ok: 80,
      non2xx: 8,
      errors: 2,
      timeouts: 1,
      qps: 40,
      durationSec: 2,
      okPerSecond: [39, 41]
    })
    expect(r.errorRate).toBeCloseTo(11 / 91, 12)
  })

  test('rejects a result whose totals disagree with the events', () => {
    expect(() => toLoadResult(outcome(base, tally(89, 100, 4, 3)))).toThrow('disagree')
    expect(() => toLoadResult(outcome(base, tally(90, 100, 5, 3)))).toThrow('disagree')
    expect(() => toLoadResult(outcome(base, tally(90, 100, 4, 2)))).toThrow('disagree')
  })

  test('rejects malformed fields', () => {
    expect(() => toLoadResult(outcome({ ...base, timeouts: 'x' }))).toThrow("'timeouts'")
  })
})

describe('a shared measured window', () => {
  test('two loads started apart are measured over the same window, warm-up and tail excluded', async () => {
    const [a, b] = [await tiny(), await tiny()]
    // A long lead, so that the second load starts before the window even on a busy machine.
    const window = windowAfter(1.5, 1)
    const marks: string[] = []
    const first = runLoad({
      url: `http://127.0.0.1:${a.port}/`,
      connections: 1,
      warmupSec: 9,
      durationSec: 9,
      window,
      timeoutSec: 2
    })
    await new Promise((r) => setTimeout(r, 300))
    const second = runLoad({
      url: `http://127.0.0.1:${b.port}/`,
      connections: 1,
      warmupSec: 0,
      durationSec: 9,
      window,
      timeoutSec: 2,
      onMeasureStart: () => marks.push(`start ${placeInWindow(window, performance.now())}`),
      onMeasureEnd: () => marks.push(`end ${placeInWindow(window, performance.now())}`)
    })
    const [ra, rb] = await Promise.all([first, second])
    const ended = performance.now()
    // The window's length, not the arguments' (9 s) nor each load's own run.
    expect(ra.durationSec).toBe(1)
    expect(rb.durationSec).toBe(1)
    expect(ra.qps).toBe(ra.ok)
    // Both ran on past the window (the tail); each warmed up from its own start to the shared window.
    expect(ended).toBeGreaterThanOrEqual(window.endMs + WINDOW_TAIL_MS)
    expect(ra.warmup.durationSec).toBeLessThanOrEqual(1.5)
    expect(rb.warmup.durationSec).toBeLessThan(ra.warmup.durationSec)
    expect(ra.warmup.ok).toBeGreaterThan(0)
    for (const r of [ra, rb]) {
      expect(r.ok).toBeGreaterThan(0)
      expect(r.latency.count).toBe(r.ok)
    }
    expect(marks).toEqual(['start inside', 'end after'])
  })

  test('a measure hook that throws fails the load', async () => {
    const s = await tiny()
    await expect(
      runLoad({
        url: `http://127.0.0.1:${s.port}/`,
        connections: 1,
        warmupSec: 0.2,
        durationSec: 1,
        timeoutSec: 1,
        onMeasureStart: () => {
          throw new Error('sampler broke')
        }
      })
    ).rejects.toThrow('sampler broke')
  })

  test('a window that ends before it starts is rejected', async () => {
    await expect(
      runLoad({
        url: 'http://127.0.0.1:1/',
        connections: 1,
        warmupSec: 0,
        durationSec: 1,
        timeoutSec: 1,
        window: { startMs: 5, endMs: 5 }
      })
    ).rejects.toThrow('the measured window must end after it starts, got {"startMs":5,"endMs":5}')
  })
})
