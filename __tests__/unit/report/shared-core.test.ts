/**
 * Side by side, QPS ratios stand for CPU cost only while the services' shared CPU is saturated: the
 * report states how busy it was and warns when it idled, and how many processes shared it. Pure.
 */
import { expect } from '@jest/globals'
import {
  coRunnerNote,
  processesAtOnce,
  sharedCoreBusy,
  sharedCoreLines,
  SATURATED_CORE_MIN_BUSY
} from '../../../src/report/shared-core.js'
import type { RoundResult } from '../../../src/types.js'
import { makeRound } from '../../helpers/rounds.js'

/** One round of `block` whose service used `cores` of CPU over a 10 s window, on `sharedCpus` shared CPUs (null: not recorded). */
function round(block: number, armId: string, cores: number, sharedCpus: number | null = 1): RoundResult {
  const resources = {
    cpuSeconds: cores * 10,
    cpuPctAvg: cores * 100,
    cpuPctPeak: cores * 100,
    rssAvgBytes: 1e8,
    rssPeakBytes: 1e8,
    samples: 50
  }
  const r = makeRound({ block, armId, qps: 1000, durationSec: 10, resources })
  return sharedCpus === null ? r : { ...r, sharedCpus }
}

const block = (b: number, ...cores: number[]): RoundResult[] =>
  cores.map((c, i) => round(b, ['off', 'base/off', 'on@0.01'][i] as string, c))

test('busy share per block: the services CPU over the window, over the CPUs they shared; median over blocks', () => {
  const rounds = [...block(0, 0.333, 0.332, 0.334), ...block(1, 0.3, 0.3, 0.3), ...block(2, 0.5, 0.49)]
  const s = sharedCoreBusy(rounds)
  expect(s?.blocks).toBe(3)
  expect(s?.busy).toBeCloseTo(0.99, 10)
})

test('a saturated core: a settings line, no warning', () => {
  const l = sharedCoreLines([...block(0, 0.5, 0.5), ...block(1, 0.49, 0.5)])
  expect(l.setting).toEqual(["services' shared CPU busy 100% of the measured windows (median over 2 blocks)"])
  expect(l.warning).toEqual([])
})

test('an idle core: the warning says QPS understates the cost and what to do', () => {
  const l = sharedCoreLines([...block(0, 0.3, 0.3), ...block(1, 0.35, 0.35), ...block(2, 0.5, 0.5)])
  expect(l.setting[0]).toContain('busy 70%')
  expect(l.warning).toHaveLength(1)
  expect(l.warning[0]).toContain('busy only 70% of the measured windows (median over 3 blocks)')
  expect(l.warning[0]).toContain('QPS ratios understate')
  expect(l.warning[0]).toContain('max-cpu-overhead')
  expect(0.7).toBeLessThan(SATURATED_CORE_MIN_BUSY)
})

test('nothing to say without the data: unpinned or sequential rounds, missing CPU, mixed CPU counts', () => {
  expect(sharedCoreBusy([round(0, 'off', 0.3, null), round(0, 'on@1', 0.3, null)])).toBeNull()
  const noCpu = { ...round(0, 'off', 0.3), resources: undefined }
  expect(sharedCoreBusy([noCpu, round(0, 'on@1', 0.3)])).toBeNull()
  expect(sharedCoreBusy([round(0, 'off', 0.3, 1), round(0, 'on@1', 0.3, 2)])).toBeNull()
  expect(sharedCoreLines([])).toEqual({ setting: [], warning: [] })
  // A block without the data is left out; the others still count.
  expect(sharedCoreBusy([round(0, 'off', 0.3, null), ...block(1, 0.5, 0.5)])).toEqual({ busy: 1, blocks: 1 })
})

test('processes at once: the distinct slots of a block, each replica counted; the largest block', () => {
  const slotted = (b: number, armId: string, slot: number, replicaSlots: number[] = []): RoundResult => {
    const r = { ...round(b, armId, 0.5), slot }
    if (replicaSlots.length === 0) return r
    const replicas = replicaSlots.map((s) => ({
      port: 4000 + s,
      slot: s,
      connections: 25,
      qps: 1000,
      ok: 10000,
      p99Us: 5000
    }))
    return { ...r, replicas }
  }
  expect(
    processesAtOnce([slotted(0, 'off', 0), slotted(0, 'on@0.01', 1), slotted(1, 'off', 1), slotted(1, 'on@0.01', 0)])
  ).toBe(2)
  expect(processesAtOnce([slotted(0, 'off', 0, [0, 3]), slotted(0, 'on@0.01', 1, [1, 2])])).toBe(4)
  // Sequential rounds: every round in slot 0, one service at a time.
  expect(
    processesAtOnce([slotted(0, 'off', 0), slotted(0, 'on@0.01', 0), slotted(1, 'off', 0), slotted(1, 'on@0.01', 0)])
  ).toBe(1)
  // The calibration round (block -1) is not a block.
  expect(processesAtOnce([slotted(-1, 'off', 1), slotted(0, 'off', 0)])).toBe(1)
  expect(processesAtOnce([round(0, 'off', 0.5), round(0, 'on@0.01', 0.5)])).toBeNull()
})

test('the co-runner caveat names the count and what not to compare with; none for sequential rounds', () => {
  const rs = [0, 1, 2].map((slot) => ({ ...round(0, ['off', 'base/off', 'on@0.01'][slot] as string, 0.33), slot }))
  const note = coRunnerNote(rs)
  expect(note[0]).toContain('3 service processes shared the CPU at once')
  expect(note[0]).toContain('`processes-per-arm`')
  expect(note[0]).toContain("above tracing's cost on a core of its own")
  expect(coRunnerNote([round(0, 'off', 0.5), round(0, 'on@0.01', 0.5)])).toEqual([])
  expect(
    coRunnerNote([
      { ...round(0, 'off', 0.5), slot: 0 },
      { ...round(0, 'on@0.01', 0.5), slot: 0 }
    ])
  ).toEqual([])
})
