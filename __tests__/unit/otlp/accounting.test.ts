import { checkSampling, checkSpansPerTrace, spansPerTraceError, type RoundSpans } from '../../../src/otlp/accounting.js'
import { mulberry32 } from '../../../src/stats/prng.js'

const cdfs = new Map<string, Float64Array>()

/** The CDF of Binomial(n, p), built outward from the mode by the pmf recurrence (no underflow at large n). */
function binomialCdf(n: number, p: number): Float64Array {
  const key = `${n}:${p}`
  let cdf = cdfs.get(key)
  if (cdf !== undefined) return cdf
  const pmf = new Float64Array(n + 1)
  const mode = Math.min(n, Math.floor((n + 1) * p))
  pmf[mode] = 1
  const odds = p / (1 - p)
  for (let k = mode; k < n; k++) pmf[k + 1] = (pmf[k]! * (n - k) * odds) / (k + 1)
  for (let k = mode; k > 0; k--) pmf[k - 1] = (pmf[k]! * k) / ((n - k + 1) * odds)
  const total = pmf.reduce((a, b) => a + b, 0)
  cdf = new Float64Array(n + 1)
  let acc = 0
  for (let k = 0; k <= n; k++) cdf[k] = acc += pmf[k]! / total
  cdfs.set(key, cdf)
  return cdf
}

/** An exact Binomial(n, p) draw by inverse CDF (one seeded uniform per draw). */
function binomial(rand: () => number, n: number, p: number): number {
  if (p <= 0) return 0
  if (p >= 1) return n
  const cdf = binomialCdf(n, p)
  const u = rand()
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cdf[mid]! < u) lo = mid + 1
    else hi = mid
  }
  return lo
}

test('the test sampler is a binomial: mean and variance of 20 000 draws', () => {
  const rand = mulberry32(1)
  const xs = Array.from({ length: 20_000 }, () => binomial(rand, 1000, 0.1))
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)
  expect(mean).toBeCloseTo(100, 0)
  expect(variance / 90).toBeGreaterThan(0.95)
  expect(variance / 90).toBeLessThan(1.05)
})

describe('checkSampling', () => {
  test('exact expectations pass; the band is ±(4σ + r × in flight) around N·r + 2.5·(1 − 2r)', () => {
    expect(checkSampling({ requests: 10_000, roots: 1000, ratio: 0.1 })).toMatchObject({
      ok: true,
      expected: 1000,
      sigma: 30,
      centre: 1002,
      tolerance: 120,
      z: 0
    })
    expect(checkSampling({ requests: 10_000, roots: 1122, ratio: 0.1 }).ok).toBe(true)
    expect(checkSampling({ requests: 10_000, roots: 1123, ratio: 0.1 }).ok).toBe(false)
    expect(checkSampling({ requests: 10_000, roots: 882, ratio: 0.1 }).ok).toBe(true)
    expect(checkSampling({ requests: 10_000, roots: 881, ratio: 0.1 }).ok).toBe(false)
    expect(checkSampling({ requests: 10_000, roots: 1127, ratio: 0.1, inFlight: 50 }).ok).toBe(true)
  })

  test('at ratio 1 only the in-flight requests may differ; at ratio 0 no root is allowed', () => {
    expect(checkSampling({ requests: 5000, roots: 4950, ratio: 1, inFlight: 50 }).ok).toBe(true)
    expect(checkSampling({ requests: 5000, roots: 4949, ratio: 1, inFlight: 50 }).ok).toBe(false)
    expect(checkSampling({ requests: 5000, roots: 0, ratio: 0, inFlight: 50 }).ok).toBe(true)
    const off = checkSampling({ requests: 5000, roots: 3, ratio: 0 })
    expect(off.ok).toBe(false)
    expect(off.error).toMatch(/^3 extra sampled traces/)
  })

  test('a shortfall names the lost spans', () => {
    const r = checkSampling({ requests: 20_000, roots: 1000, ratio: 0.1, spansPerTrace: 6 })
    expect(r.ok).toBe(false)
    expect(r.error).toMatch(
      /^export dropped 6000 of ≈12000 expected spans: 1000 sampled traces started in the measured window, but 20000 requests at sampling ratio 0.1 make ≈2000 \(4σ band 1833–2171\); 50 % of the traces never reached the receiver/
    )
    // The lost-span messages say which SDK settings to try, and where to set them.
    expect(r.error).toMatch(/OTEL_BSP_MAX_EXPORT_BATCH_SIZE .*OTEL_BSP_MAX_QUEUE_SIZE .*in the `env` input/)
  })

  test('extra traces (readiness polls, warm-up) are named', () => {
    const r = checkSampling({ requests: 1000, roots: 1200, ratio: 1, inFlight: 10 })
    expect(r.ok).toBe(false)
    expect(r.error).toMatch(
      /^200 extra sampled traces: 1200 started in the measured window, but 1000 requests at sampling ratio 1 make ≈1000/
    )
    expect(r.error).toMatch(/readiness polls/)
  })

  test.each([
    [{ requests: -1, roots: 0, ratio: 0.5 }, /'requests' must be a non-negative integer, got -1/],
    [{ requests: 10, roots: 1.5, ratio: 0.5 }, /'roots' must be a non-negative integer, got 1.5/],
    [{ requests: 10, roots: 1, ratio: 1.5 }, /'ratio' must be within \[0, 1\], got 1.5/],
    [{ requests: 10, roots: 1, ratio: NaN }, /'ratio' must be within \[0, 1\], got NaN/]
  ])('rejects bad input %#', (input, message) => {
    expect(() => checkSampling(input)).toThrow(message)
  })

  // Seeded simulations: the properties the issue asks for, under the exact binomial law.
  const SETTINGS: Array<[number, number]> = [
    [50, 0.2],
    [200, 0.5],
    [1000, 0.1],
    [2000, 1],
    [10_000, 0.01],
    [20_000, 0.001]
  ]

  test('false alarms at 4σ are rare: none in 6 × 2000 seeded rounds, also with in-flight edges', () => {
    const rand = mulberry32(12)
    let alarms = 0
    for (const [n, r] of SETTINGS) {
      for (let i = 0; i < 2000; i++) {
        // Requests started in the window differ from those completed by up to 30 in flight at its edges.
        const started = n + Math.floor(rand() * 61) - 30
        if (!checkSampling({ requests: n, roots: binomial(rand, started, r), ratio: r, inFlight: 30 }).ok) alarms++
      }
    }
    expect(alarms).toBe(0)
  })

  test('50 % loss is caught every time once N·r ≥ 200 (and at any N·r when r = 1)', () => {
    const rand = mulberry32(34)
    const cases: Array<[number, number]> = [
      [20_000, 0.01],
      [2000, 0.1],
      [400, 0.5],
      [100, 1]
    ]
    for (const [n, r] of cases) {
      let caught = 0
      for (let i = 0; i < 2000; i++)
        if (!checkSampling({ requests: n, roots: binomial(rand, n, r * 0.5), ratio: r }).ok) caught++
      expect([n, r, caught]).toEqual([n, r, 2000])
    }
  })

  test('the limit: at N·r = 100 and r = 0.01, 50 % loss is caught most of the time, not always', () => {
    const rand = mulberry32(56)
    let caught = 0
    for (let i = 0; i < 2000; i++)
      if (!checkSampling({ requests: 10_000, roots: binomial(rand, 10_000, 0.005), ratio: 0.01 }).ok) caught++
    // Threshold 100 + 2.45 − 4·9.95 = 62.6 against Binomial(10 000, 0.005): P(R ≤ 62) ≈ 0.95.
    expect(caught / 2000).toBeGreaterThan(0.88)
    expect(caught / 2000).toBeLessThan(0.97)
  })
})

describe('checkSpansPerTrace', () => {
  const round = (traces: number, spt: number, label?: string): RoundSpans => ({
    traces,
    traceSpans: Math.round(traces * spt),
    ...(label ? { label } : {})
  })

  test('a round that lost part of its spans is flagged with the lost count', () => {
    const drops = checkSpansPerTrace([
      round(10_000, 2),
      round(9000, 2),
      round(11_000, 2),
      round(10_000, 1.5, 'round 4 (block 2)'),
      round(10_000, 2)
    ])
    expect(drops).toHaveLength(1)
    expect(drops[0]).toMatchObject({ index: 3, spansPerTrace: 1.5, reference: 2, lostSpans: 5000 })
    expect(drops[0]!.message).toMatch(
      /^round 4 \(block 2\): export dropped 5000 of ≈20000 expected spans: 1.50 spans per trace vs 2.00/
    )
  })

  test('the gate error lists every flagged round and names the SDK settings to try once', () => {
    const drops = checkSpansPerTrace([
      round(10_000, 2),
      round(10_000, 1.5, 'round 2'),
      round(10_000, 2),
      round(10_000, 1.5, 'round 4'),
      round(10_000, 2),
      round(10_000, 2)
    ])
    expect(drops).toHaveLength(2)
    const error = spansPerTraceError(drops)
    expect(error).toMatch(/^round 2: export dropped .*\nround 4: export dropped .*\n/)
    expect(error).toMatch(/OTEL_BSP_MAX_EXPORT_BATCH_SIZE/)
    expect(error.match(/OTEL_BSP_MAX_EXPORT_BATCH_SIZE/g)).toHaveLength(1)
  })

  test('small drops within 1 % are not flagged; rises never are', () => {
    expect(checkSpansPerTrace([round(100_000, 6), round(100_000, 6), round(100_000, 5.95), round(100_000, 9)])).toEqual(
      []
    )
  })

  test('too few rounds or no traces: nothing to compare', () => {
    expect(checkSpansPerTrace([round(1000, 2), round(1000, 1)])).toEqual([])
    expect(checkSpansPerTrace([round(1000, 2), round(0, 0), round(1000, 1)])).toEqual([])
  })

  test('seeded: request-to-request variation of spans per trace raises no alarm; a 30 % loss always does', () => {
    const rand = mulberry32(78)
    // Each request makes 1 + Binomial(10, 0.5) spans (mean 6): rounds of 2000–6000 traces.
    const simulateRound = (loss: number): RoundSpans => {
      const traces = 2000 + Math.floor(rand() * 4000)
      let spans = 0
      for (let t = 0; t < traces; t++) spans += 1 + binomial(rand, 10, 0.5)
      return { traces, traceSpans: Math.round(spans * (1 - loss)) }
    }
    let falseAlarms = 0
    let caught = 0
    for (let arm = 0; arm < 100; arm++) {
      const rounds = Array.from({ length: 8 }, () => simulateRound(0))
      falseAlarms += checkSpansPerTrace(rounds).length
      rounds[5] = simulateRound(0.3)
      if (checkSpansPerTrace(rounds).some((d) => d.index === 5)) caught++
    }
    expect(falseAlarms).toBe(0)
    expect(caught).toBe(100)
  })
})
