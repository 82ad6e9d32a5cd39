/** The warm-up lines of the report and the alternating design note: pure renderers over round data. */
import { armWarmups, warmupLines } from '../../../src/report/warmup.js'
import { designNote, processesAtOnce } from '../../../src/report/shared-core.js'
import type { Comparison, RoundResult } from '../../../src/types.js'

function round(
  block: number,
  armId: string,
  warmup: RoundResult['warmup'],
  extra: Partial<RoundResult> = {}
): RoundResult {
  return {
    block,
    order: 0,
    armId,
    startedAt: '2026-12-06T00:00:00.000Z',
    port: 1,
    load: {
      durationSec: 4,
      responses: 100,
      ok: 100,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
      qps: 25,
      errorRate: 0,
      latency: { p50Us: 1, p90Us: 1, p95Us: 1, p99Us: 1, p999Us: 1, maxUs: 1, meanUs: 1, count: 100 }
    } as RoundResult['load'],
    warmup,
    otlp: { spans: 0, requests: 0, bytes: 0, rejected: 0 },
    ...extra
  }
}

describe('warm-up lines', () => {
  const steady = (s: number): RoundResult['warmup'] => ({
    ok: 10,
    durationSec: s,
    ended: 'steady',
    change: 0.01,
    rates: []
  })
  const capped = (s: number): RoundResult['warmup'] => ({
    ok: 10,
    durationSec: s,
    ended: 'cap',
    change: 0.08,
    rates: []
  })

  test('per arm: median seconds, capped count; calibration rounds left out', () => {
    const rounds = [
      round(0, 'off', steady(6)),
      round(1, 'off', steady(8)),
      round(2, 'off', steady(10)),
      round(-1, 'off', capped(30))
    ]
    expect(armWarmups(rounds)).toEqual([{ armId: 'off', medianSec: 8, maxSec: 10, capped: 0, auto: 3 }])
  })

  test('a capped arm gives a warning naming it; a steady run none', () => {
    const ok = warmupLines([round(0, 'off', steady(7)), round(0, 'on@1', steady(9))], {
      warmupSec: 'auto',
      warmupCapSec: 30
    })
    expect(ok.warning).toEqual([])
    expect(ok.setting[0]).toBe(
      'warm-up until steady (at most 30 s of load per process): off 7 s, on&#64;1 9 s (median per block)'
    )
    const bad = warmupLines([round(0, 'off', steady(7)), round(0, 'on@1', capped(30)), round(1, 'on@1', steady(20))], {
      warmupSec: 'auto',
      warmupCapSec: 30
    })
    expect(bad.warning).toHaveLength(1)
    expect(bad.warning[0]).toMatch(
      /Warm-up hit its cap of 30 s before the service was steady \(on&#64;1 in 1 of 2 blocks\)/
    )
    expect(bad.setting[0]).toContain('(1 of 2 capped)')
  })

  test("a JVM's floor is stated with the cap", () => {
    const jvm = warmupLines([round(0, 'off', steady(121)), round(0, 'on@1', steady(133))], {
      warmupSec: 'auto',
      warmupCapSec: 150,
      warmupMinSec: 120,
      warmupRuntime: 'jvm'
    })
    expect(jvm.setting[0]).toBe(
      'warm-up until steady (at least 120 s and at most 150 s of load per process, as for a JVM): ' +
        'off 121 s, on&#64;1 133 s (median per block)'
    )
  })

  test('processes kept across blocks: a boot warms up once, so its later blocks do not count (median per boot)', () => {
    const later = (s: number, since: number): RoundResult['warmup'] => ({ ...steady(s), ok: 0, sinceBlock: since })
    const rounds = [
      round(0, 'off', steady(6)),
      round(1, 'off', later(6, 0)),
      round(2, 'off', later(6, 0)),
      round(3, 'off', capped(30)),
      round(4, 'off', later(30, 3))
    ]
    expect(armWarmups(rounds)).toEqual([{ armId: 'off', medianSec: 18, maxSec: 30, capped: 1, auto: 2 }])
    const lines = warmupLines(rounds, { warmupSec: 'auto', warmupCapSec: 30 })
    expect(lines.setting[0]).toBe(
      'warm-up until steady (at most 30 s of load per process): off 18 s (1 of 2 capped) (median per boot)'
    )
    expect(lines.warning[0]).toMatch(/\(off in 1 of 2 boots\)/)
  })

  test('a fixed warm-up has no warm-up lines', () => {
    expect(warmupLines([round(0, 'off', { ok: 1, durationSec: 2 })], { warmupSec: 2 })).toEqual({
      setting: [],
      warning: []
    })
  })
})

describe('design note and co-runners', () => {
  test('alternating rounds get the design line and count as no co-runners', () => {
    const rounds = [
      round(0, 'off', { ok: 1, durationSec: 6 }, { slot: 0, slices: 4 }),
      round(0, 'on@1', { ok: 1, durationSec: 6 }, { slot: 1, slices: 4 })
    ]
    expect(designNote(rounds)[0]).toMatch(/^Measured alternating: in every block the 2 arms ran as fresh processes/)
    expect(processesAtOnce(rounds)).toBeNull()
  })
  test('alternating on processes kept across blocks: the boots and the offset the intervals carry', () => {
    const r = (block: number, armId: string, boot: number): RoundResult =>
      round(block, armId, { ok: 1, durationSec: 6 }, { slot: armId === 'off' ? 0 : 1, slices: 4, boot })
    const rounds = [r(0, 'off', 0), r(0, 'on@1', 0), r(1, 'off', 0), r(1, 'on@1', 0), r(2, 'off', 1), r(2, 'on@1', 1)]
    const boots = { blocks: [2, 1], tauPrior: 0.0198, tauEstimate: 0.031, tau: 0.031, widening: 1.4 }
    const line = designNote(rounds, [{ boots } as unknown as Comparison])[0]
    expect(line).toMatch(
      /^Measured alternating: the 2 arms ran as processes kept across blocks \(2 boots of 2 \+ 1 blocks/
    )
    expect(line).toContain('lifelong speed offset of the processes compared (up to 3.1% between boots)')
    // Without a comparison that pooled boots, the note names the boots but no offset.
    expect(designNote(rounds)[0]).not.toContain('offset')
  })
  test('side-by-side rounds: no design line, co-runners counted', () => {
    const rounds = [
      round(0, 'off', { ok: 1, durationSec: 2 }, { slot: 0 }),
      round(0, 'on@1', { ok: 1, durationSec: 2 }, { slot: 1 })
    ]
    expect(designNote(rounds)).toEqual([])
    expect(processesAtOnce(rounds)).toBe(2)
  })
})
