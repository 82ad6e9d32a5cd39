/**
 * The gated loads and the sliced phase against in-process HTTP servers on 127.0.0.1: a closed gate sends
 * nothing, a closing gate waits for the requests in flight, and in the alternating mode a target's server
 * gets no request while another target is measured. Behaviour only, no timing goals.
 */
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { startGatedHttpLoad, type LoadEventKind } from '../../../src/load/load.js'
import { LoadGate } from '../../../src/load/gate.js'
import { runSlicedPhase } from '../../../src/measure/sliced.js'

interface Server {
  url: string
  arrivals: number[]
  close(): Promise<void>
}

async function server(status = 200): Promise<Server> {
  const arrivals: number[] = []
  const s = http.createServer((_req, res) => {
    arrivals.push(performance.now())
    res.writeHead(status, { 'content-type': 'text/plain' })
    res.end('ok')
  })
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    arrivals,
    close: () =>
      new Promise<void>((r) => {
        s.closeAllConnections()
        s.close(() => r())
      })
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe('LoadGate', () => {
  test('parks workers while closed, resumes them on open, and close resolves once all parked', async () => {
    const gate = new LoadGate(2)
    const resumed: number[] = []
    expect(gate.admit(() => resumed.push(1))).toBe(false)
    let closed = false
    void gate.close(1000).then(() => (closed = true))
    await sleep(5)
    expect(closed).toBe(false)
    expect(gate.admit(() => resumed.push(2))).toBe(false)
    await sleep(5)
    expect(closed).toBe(true)
    gate.openGate()
    expect(resumed).toEqual([1, 2])
    expect(gate.admit(() => resumed.push(3))).toBe(true)
  })
  test('a close that never drains rejects naming the connections still busy', async () => {
    const gate = new LoadGate(3)
    gate.openGate()
    await expect(gate.close(20)).rejects.toThrow(/3 of 3 load connections still had a request in flight/)
  })
})

describe('startGatedHttpLoad', () => {
  test('sends nothing while closed, loads while open, nothing after a close resolved', async () => {
    const s = await server()
    servers.push(s)
    const events: LoadEventKind[] = []
    const load = startGatedHttpLoad({ url: s.url, connections: 4, timeoutSec: 5 }, (k) => events.push(k))
    try {
      await sleep(100)
      expect(s.arrivals.length).toBe(0)
      load.gate.openGate()
      await sleep(100)
      await load.gate.close(5000)
      const atClose = s.arrivals.length
      expect(atClose).toBeGreaterThan(0)
      await sleep(100)
      expect(s.arrivals.length).toBe(atClose)
      // Every request sent was answered before the close resolved.
      expect(events.length).toBe(atClose)
      expect(events.every((e) => e === 'ok')).toBe(true)
    } finally {
      await load.end()
    }
  })
  test('non-2xx answers are told apart', async () => {
    const s = await server(503)
    servers.push(s)
    const events: LoadEventKind[] = []
    const load = startGatedHttpLoad({ url: s.url, connections: 2, timeoutSec: 5 }, (k) => events.push(k))
    load.gate.openGate()
    await sleep(50)
    await load.gate.close(5000)
    await load.end()
    expect(events.length).toBeGreaterThan(0)
    expect(new Set(events)).toEqual(new Set(['non2xx']))
  })
})

describe('runSlicedPhase', () => {
  async function phase(mode: 'alternate' | 'together', warmup: Parameters<typeof runSlicedPhase>[0]['warmup']) {
    const a = await server()
    const b = await server()
    servers.push(a, b)
    const marks: string[] = []
    let measureStartMs = 0
    const outcomes = await runSlicedPhase({
      starts: [a, b].map((s) => (sink) => startGatedHttpLoad({ url: s.url, connections: 3, timeoutSec: 5 }, sink)),
      connections: [3, 3],
      mode,
      sliceSec: 0.05,
      measuredSec: 0.2,
      warmup,
      drainTimeoutMs: 5000,
      check: () => {},
      onMeasureStart: () => {
        measureStartMs = performance.now()
        marks.push('start')
      },
      onMeasureEnd: () => marks.push('end')
    })
    return { a, b, outcomes, marks, measureStartMs }
  }

  test('alternate: the warm-up loads every target at once and counts 1/n of each shared second', async () => {
    const { a, b, outcomes, measureStartMs } = await phase('alternate', { kind: 'fixed', sec: 0.3 })
    const before = (s: { arrivals: number[] }): number[] => s.arrivals.filter((t) => t < measureStartMs)
    const [wa, wb] = [before(a), before(b)]
    expect(wa.length).toBeGreaterThan(0)
    expect(wb.length).toBeGreaterThan(0)
    // Loaded over the same stretch of time, not one after the other.
    expect(Math.min(...wa)).toBeLessThan(Math.max(...wb))
    expect(Math.min(...wb)).toBeLessThan(Math.max(...wa))
    for (const o of outcomes) {
      expect(o.warmup.loadSec).toBeGreaterThanOrEqual(0.299)
      // 0.3 s of load, half of each shared slice: the first 0.15 s (it opens the gates, SLICE_EDGE_MS longer),
      // then 0.05 s slices: about 10 for each. In turn, every slice reopens a gate: 2 slices of 0.15 s each.
      expect(o.warmup.rates.length).toBeGreaterThanOrEqual(5)
    }
  })

  test('alternate: each target alone in its measured parts, balanced cycles, counts add up', async () => {
    const { a, b, outcomes, marks } = await phase('alternate', { kind: 'fixed', sec: 0.1 })
    expect(marks).toEqual(['start', 'end'])
    const [oa, ob] = outcomes as [(typeof outcomes)[0], (typeof outcomes)[0]]
    // measuredCycles(0.2, 0.05) = 4 cycles: one part per cycle each (a part can be lost if a slice never settled).
    expect(oa.parts.length).toBeLessThanOrEqual(4)
    expect(oa.parts.length).toBeGreaterThan(0)
    for (const [mine, other, otherServer] of [
      [oa, ob, b],
      [ob, oa, a]
    ] as const) {
      expect(mine.load.ok).toBeGreaterThan(0)
      expect(mine.servedOk).toBeGreaterThanOrEqual(mine.load.ok)
      expect(mine.warmup.ended).toBe('fixed')
      // While this target was measured, the other target's server got no request at all.
      for (const p of mine.parts) {
        expect(otherServer.arrivals.filter((t) => t > p.startMs && t < p.endMs)).toEqual([])
      }
      // Parts of the two targets never overlap.
      for (const p of mine.parts)
        for (const q of other.parts) expect(p.endMs <= q.startMs || q.endMs <= p.startMs).toBe(true)
      expect(mine.load.qps * mine.load.durationSec).toBeCloseTo(mine.load.ok, 1)
      expect(mine.load.okPerSecond).toHaveLength(mine.parts.length)
      expect(mine.load.okPerSecond?.reduce((x, y) => x + y, 0)).toBe(mine.load.ok)
    }
  })

  test('together: both targets in one shared measured part', async () => {
    const { outcomes } = await phase('together', { kind: 'fixed', sec: 0.1 })
    const [oa, ob] = outcomes as [(typeof outcomes)[0], (typeof outcomes)[0]]
    expect(oa.parts).toHaveLength(1)
    expect(ob.parts).toHaveLength(1)
    expect(oa.parts[0]?.endMs).toBe(ob.parts[0]?.endMs)
    expect(oa.load.okPerSecond?.reduce((x, y) => x + y, 0)).toBe(oa.load.ok)
    // One entry per started second of the shared part for both, so processes-per-arm can add them up.
    const part = oa.parts[0] as { startMs: number; endMs: number }
    expect(oa.load.okPerSecond).toHaveLength(Math.floor((part.endMs - part.startMs) / 1000) + 1)
    expect(ob.load.okPerSecond).toHaveLength(oa.load.okPerSecond?.length as number)
  })

  test('auto warm-up ends steady under a lenient rule, on the cap under an impossible one', async () => {
    const lenient = await phase('alternate', { kind: 'auto', capSec: 5, rule: { half: 2, tolerance: 10 } })
    for (const o of lenient.outcomes) {
      expect(o.warmup.ended).toBe('steady')
      // Two targets share the core: the rule's points pool 2 slices each, so 2 halves of 2 points take 8 slices.
      expect(o.warmup.rates.length).toBeGreaterThanOrEqual(8)
    }
    const strict = await phase('alternate', { kind: 'auto', capSec: 0.2, rule: { half: 2, tolerance: 1e-12 } })
    for (const o of strict.outcomes) {
      expect(o.warmup.ended).toBe('cap')
      expect(o.warmup.loadSec).toBeGreaterThanOrEqual(0.19)
    }
  })

  test('auto warm-up with a floor: steady early still loads every target until the floor', async () => {
    const floored = await phase('alternate', { kind: 'auto', capSec: 5, minSec: 0.6, rule: { half: 2, tolerance: 10 } })
    for (const o of floored.outcomes) {
      expect(o.warmup.ended).toBe('steady')
      expect(o.warmup.loadSec).toBeGreaterThanOrEqual(0.599)
      expect(o.warmup.loadSec).toBeLessThan(5)
    }
  })

  test('a failing check stops the phase and ends every load', async () => {
    const a = await server()
    servers.push(a)
    let calls = 0
    await expect(
      runSlicedPhase({
        starts: [(sink) => startGatedHttpLoad({ url: a.url, connections: 2, timeoutSec: 5 }, sink)],
        connections: [2],
        mode: 'together',
        sliceSec: 0.05,
        measuredSec: 0.2,
        warmup: { kind: 'fixed', sec: 0.2 },
        drainTimeoutMs: 5000,
        check: () => {
          if (++calls === 3) throw new Error('the service died')
        }
      })
    ).rejects.toThrow('the service died')
    // Requests already written when the phase ended may still reach the server (at most one per
    // connection); after that, nothing more is sent.
    const n = a.arrivals.length
    await sleep(100)
    const settled = a.arrivals.length
    expect(settled - n).toBeLessThanOrEqual(2)
    await sleep(100)
    expect(a.arrivals.length).toBe(settled)
  })
})
