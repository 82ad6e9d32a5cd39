import { armCollectors, collectorSection } from '../../../src/report/collector.js'
import { mergeCollectorUsage } from '../../../src/measure/collector-usage.js'
import type { CollectorUsage, RoundResult } from '../../../src/types.js'

const usage = (o: Partial<CollectorUsage>): CollectorUsage => ({
  spansIn: 1000,
  spansOut: 10,
  bytesOut: 3600,
  exportRequests: 2,
  keepRatio: 0.01,
  lifeSec: 10,
  drainSec: 3,
  drainCapped: false,
  cpuSeconds: 0.5,
  rssPeakBytes: 64 * 2 ** 20,
  rssAvgBytes: 60 * 2 ** 20,
  requests: 500,
  ...o
})

/** A round with only the fields the section reads. */
const round = (armId: string, block: number, collector?: CollectorUsage): RoundResult =>
  ({ armId, block, ...(collector !== undefined ? { collector } : {}) }) as unknown as RoundResult

describe('collector report section', () => {
  test('pools each arm over its blocks', () => {
    const arms = armCollectors([
      round('off', 0),
      round('on@1', 0, usage({})),
      round(
        'on@1',
        1,
        usage({ spansIn: 3000, spansOut: 30, cpuSeconds: 1.5, requests: 1500, rssPeakBytes: 70 * 2 ** 20 })
      ),
      round('on@1', -1, usage({ spansIn: 1e9 }))
    ])
    expect(arms).toEqual([
      {
        armId: 'on@1',
        blocks: 2,
        spansIn: 4000,
        spansOut: 40,
        keepRatio: 0.01,
        cpuPer1k: 1,
        rssPeakBytes: 70 * 2 ** 20,
        mbPerHour: ((7200 / 20) * 3600) / 1e6,
        drainCapped: 0,
        storeMbPerHour: null
      }
    ])
  })
  test('no collector, no section', () => {
    expect(collectorSection({ rounds: [round('off', 0), round('on@1', 0)] })).toEqual([])
  })
  test('a table row per arm, CPU n/a without sampling, a warning for a capped drain', () => {
    const text = collectorSection({
      rounds: [round('on@1', 0, usage({ cpuSeconds: undefined, drainCapped: true }))]
    }).join('\n')
    expect(text).toMatch(/#### Collector pipeline/)
    expect(text).toMatch(/\| on&#64;1 +\| +1,000 \| +10 \| +1\.00% \| +n\/a \| +64 MiB \|/)
    expect(text).toMatch(/never fell quiet.*on&#64;1 in 1 blocks/)
    expect(text).not.toMatch(/Jaeger/)
  })
  test('span-store: jaeger adds Badger growth per hour of collector life next to the receiver bytes', () => {
    const rounds = [
      round('on@1', 0, usage({ storeGrowthBytes: 1_000_000 })),
      round('on@1', 1, usage({ storeGrowthBytes: 500_000, lifeSec: 20 }))
    ]
    // 1.5 MB over 30 s of collector life → 180 MB per hour; receiver bytes 7,200 over 30 s → 0.864 MB/h.
    expect(armCollectors(rounds)[0]).toMatchObject({ storeMbPerHour: 180, mbPerHour: 0.864 })
    const text = collectorSection({ rounds }).join('\n')
    expect(text).toMatch(/\| Out per hour \| Jaeger \(Badger\) per hour \| Blocks \|/)
    expect(text).toMatch(/ 0\.9 MB\/h \| +180\.0 MB\/h \| +2 \|/)
    expect(text).toMatch(/growth of the span store's data directory/)
  })
  test('a block without the store growth gives n/a, never a partial sum', () => {
    const rounds = [round('on@1', 0, usage({ storeGrowthBytes: 1_000_000 })), round('on@1', 1, usage({}))]
    expect(armCollectors(rounds)[0]?.storeMbPerHour).toBeNull()
  })
})

describe('mergeCollectorUsage', () => {
  test('adds counts and CPU, keeps the longest life, recomputes the ratio', () => {
    const m = mergeCollectorUsage([usage({}), undefined, usage({ spansIn: 3000, spansOut: 90, lifeSec: 12 })])
    expect(m).toMatchObject({
      spansIn: 4000,
      spansOut: 100,
      keepRatio: 0.025,
      lifeSec: 12,
      cpuSeconds: 1,
      requests: 1000
    })
  })
  test('an optional field missing on one part is left out', () => {
    expect(mergeCollectorUsage([usage({}), usage({ cpuSeconds: undefined })])?.cpuSeconds).toBeUndefined()
  })
  test('store growth adds up over the processes, absent when one had none', () => {
    expect(
      mergeCollectorUsage([usage({ storeGrowthBytes: 4096 }), usage({ storeGrowthBytes: 8192 })])?.storeGrowthBytes
    ).toBe(12288)
    expect(mergeCollectorUsage([usage({ storeGrowthBytes: 4096 }), usage({})])).not.toHaveProperty('storeGrowthBytes')
  })
  test('no collector at all', () => {
    expect(mergeCollectorUsage([undefined, undefined])).toBeUndefined()
  })
})
