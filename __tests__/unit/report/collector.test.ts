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
        drainCapped: 0
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
  test('no collector at all', () => {
    expect(mergeCollectorUsage([undefined, undefined])).toBeUndefined()
  })
})
