import { SpanBatch } from '../../../src/otlp/batch.js'
import { SpanTally } from '../../../src/otlp/tally.js'
import { SpanWindow } from '../../../src/otlp/window.js'

const BASE = 1_764_460_800_000 // Unix ms

/** A batch of spans given as [offsetMs, root, traceSeed] (seed 0 = no trace id). */
function batchOf(spans: Array<[number, boolean, number]>): SpanBatch {
  const b = new SpanBatch()
  for (const [offset, root, seed] of spans)
    b.push(BASE + offset, root, seed === 0 ? 0 : seed * 7919, seed === 0 ? 0 : seed)
  return b
}

describe('SpanWindow', () => {
  test('counts spans, roots and traces by start time; a trace belongs to its earliest span', () => {
    const w = new SpanWindow()
    // Trace 1 starts before the window; trace 2 inside with a child after it; trace 3 inside; a span without trace id.
    w.commit(
      batchOf([
        [-5, true, 1],
        [-4, false, 1],
        [2, false, 1]
      ])
    )
    // Children first, as a batch span processor exports them (they end before their root).
    w.commit(
      batchOf([
        [10.5, false, 2],
        [1000.9, false, 2]
      ])
    )
    w.commit(
      batchOf([
        [10, true, 2],
        [500, true, 3],
        [600, false, 0]
      ])
    )
    const c = w.counts(BASE, BASE + 1000)
    // Spans at 2, 10, 10.5, 500, 600 (1000.9 is after the window, but counts in its trace's spans).
    expect(c).toEqual({ spans: 5, roots: 2, traces: 2, traceSpans: 4, spansPerTrace: 2, tracesComplete: true })
    expect(w.counts(BASE - 10, BASE + 2000)).toMatchObject({ spans: 8, roots: 3, traces: 3, traceSpans: 7 })
  })

  test('windows are half-open at millisecond resolution: back-to-back windows split the spans exactly', () => {
    const w = new SpanWindow()
    w.commit(
      batchOf([
        [0, true, 1],
        [999.999, true, 2],
        [1000, true, 3],
        [1001, true, 4]
      ])
    )
    expect(w.counts(BASE, BASE + 1000)).toMatchObject({ roots: 2, traces: 2 })
    expect(w.counts(BASE, BASE + 1001)).toMatchObject({ roots: 3, traces: 3 })
    expect(w.counts(BASE + 0.4, BASE + 0.6)).toMatchObject({ roots: 1, traces: 1 })
    expect(w.counts(BASE + 0.6, BASE + 0.6)).toMatchObject({ spans: 0, roots: 0, traces: 0 })
    for (const cut of [0.2, 0.5, 0.7, 999.4, 999.6, 1000.5]) {
      const a = w.counts(BASE - 5, BASE + cut)
      const b = w.counts(BASE + cut, BASE + 2000)
      expect([a.spans + b.spans, a.roots + b.roots, a.traces + b.traces]).toEqual([4, 4, 4])
    }
  })

  test('a trace starting exactly on the window edge is in it, whatever span came first (exact ms buckets)', () => {
    const w = new SpanWindow()
    // The first span seen (the table's origin) is a minute earlier at a fractional ms.
    w.commit(batchOf([[-60_000 + 0.3, true, 1]]))
    const edge: Array<[number, boolean, number]> = []
    for (let i = 0; i < 50; i++) edge.push([i, true, 10 + i], [i + 0.5, false, 10 + i])
    w.commit(batchOf(edge))
    expect(w.counts(BASE, BASE + 50)).toMatchObject({ spans: 100, roots: 50, traces: 50, traceSpans: 100 })
    expect(w.counts(BASE + 10, BASE + 11)).toMatchObject({ spans: 2, roots: 1, traces: 1, traceSpans: 2 })
  })

  test('spans without a start time (0) or far in the future do not disturb the window', () => {
    const w = new SpanWindow()
    w.commit(
      batchOf([
        [5, true, 1],
        [-BASE, true, 2],
        [1e15, true, 3],
        [6, false, 2]
      ])
    )
    // Trace 2 started at time 0 (its earliest span), so it is not in the window; its span at 6 is.
    expect(w.counts(BASE, BASE + 10)).toMatchObject({ spans: 2, roots: 1, traces: 1, traceSpans: 1 })
    expect(w.counts(BASE - 1e9, BASE + 1e9)).toMatchObject({ spans: 2, roots: 1, traces: 1, traceSpans: 1 })
  })

  test('windows across chunk boundaries and far apart in time', () => {
    const w = new SpanWindow()
    const spans: Array<[number, boolean, number]> = []
    for (let i = 0; i < 5000; i++) spans.push([i * 1.7, i % 5 === 0, 1 + Math.floor(i / 5)])
    w.commit(batchOf(spans))
    w.commit(batchOf([[86_400_000, true, 99_999]])) // a day later
    const all = w.counts(BASE - 1, BASE + 100_000_000)
    expect(all).toMatchObject({ spans: 5001, roots: 1001, traces: 1001, traceSpans: 5001 })
    const part = w.counts(BASE + 1700, BASE + 3401)
    // Spans i = 1000…2000 (offsets 1700…3400): 1001 spans, roots where i % 5 = 0: 201.
    expect(part).toMatchObject({ spans: 1001, roots: 201, traces: 201, traceSpans: 1005 })
  })

  test('structured trace ids (time-prefixed, sequential): 100k distinct traces all kept', () => {
    const w = new SpanWindow()
    const n = 100_000
    const b = new SpanBatch()
    // X-Ray-like ids: one word is the second, the other a counter; every pair distinct.
    for (let i = 1; i <= n; i++) b.push(BASE + i * 0.01, true, 1_764_460_800 + Math.floor(i / 1000), i)
    // With a hash that collapses on such ids, linear probing turns quadratic: this commit would run
    // for minutes and the test would hit jest's timeout.
    w.commit(b)
    expect(w.counts(BASE, BASE + 2000)).toMatchObject({ spans: n, roots: n, traces: n, traceSpans: n })
  })

  test('many traces: the table grows and keeps every trace', () => {
    const w = new SpanWindow()
    const n = 50_000
    const b = new SpanBatch()
    for (let i = 1; i <= n; i++) {
      b.push(BASE + i * 0.01, true, (i * 2654435761) >>> 0, i)
      b.push(BASE + i * 0.01 + 0.001, false, (i * 2654435761) >>> 0, i)
    }
    w.commit(b)
    expect(w.counts(BASE, BASE + 1000)).toEqual({
      spans: 2 * n,
      roots: n,
      traces: n,
      traceSpans: 2 * n,
      spansPerTrace: 2,
      tracesComplete: true
    })
  })

  test('rejects a window that is not one', () => {
    expect(() => new SpanWindow().counts(10, 5)).toThrow(/t0 <= t1/)
    expect(() => new SpanWindow().counts(NaN, 5)).toThrow(/finite Unix milliseconds/)
  })

  test('an empty window', () => {
    expect(new SpanWindow().counts(BASE, BASE + 1)).toEqual({
      spans: 0,
      roots: 0,
      traces: 0,
      traceSpans: 0,
      spansPerTrace: null,
      tracesComplete: true
    })
  })
})

describe('SpanTally', () => {
  test('totals, roots, CPU and windows; reset forgets all', () => {
    const t = new SpanTally()
    const b = batchOf([
      [1, true, 1],
      [2, false, 1],
      [3, true, 2]
    ])
    t.accepted({ spans: 3, resourceSpans: 1, serviceNames: ['svc'] }, 120, b)
    t.rejected()
    t.addCpu({ user: 1500, system: 500 })
    expect(t.snapshot()).toEqual({
      spans: 3,
      roots: 2,
      requests: 1,
      bytes: 120,
      rejected: 1,
      serviceNames: ['svc'],
      cpuSeconds: 0.002,
      cpuScope: 'decode'
    })
    expect(t.windowCounts(BASE, BASE + 3)).toMatchObject({ spans: 2, roots: 1, traces: 1, traceSpans: 2 })
    t.reset()
    expect(t.snapshot()).toEqual({
      spans: 0,
      roots: 0,
      requests: 0,
      bytes: 0,
      rejected: 0,
      serviceNames: [],
      cpuSeconds: 0,
      cpuScope: 'decode'
    })
    expect(t.windowCounts(BASE, BASE + 10)).toMatchObject({ spans: 0, traces: 0 })
  })

  test('per-export timing: cpuMark/addCpuSince add CPU when timed, nothing when not (the worker reads its thread instead)', () => {
    const timed = new SpanTally()
    const mark = timed.cpuMark()
    expect(mark).not.toBeNull()
    let x = 0
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i)
    expect(x).toBeGreaterThan(0)
    timed.addCpuSince(mark)
    expect(timed.snapshot().cpuSeconds).toBeGreaterThan(0)
    const untimed = new SpanTally(false)
    expect(untimed.cpuMark()).toBeNull()
    untimed.addCpuSince(null)
    expect(untimed.snapshot().cpuSeconds).toBe(0)
  })
})
