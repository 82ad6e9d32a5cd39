/** Entries of main's history for tests: a run's off arm and one traced arm, seeded per-block noise. */
import type { MainHistoryEntry } from '../../src/results/main-history.js'
import { normals } from './series.js'

/** An entry whose off arm has 8 blocks around `qps` (1 % noise) and whose on@1 arm costs `overhead`. */
export function makeEntry(k: number, qps: number, overhead = 0.05, seed = 1): MainHistoryEntry {
  const z = normals(seed * 1000 + k)
  const blocks = Array.from({ length: 8 }, () => qps * Math.exp(0.01 * z()))
  const logs = blocks.map(Math.log)
  const m = logs.reduce((s, x) => s + x, 0) / logs.length
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - m) ** 2, 0) / (logs.length - 1))
  const ratio = (1 - overhead) * Math.exp(0.005 * z())
  return {
    commit: k.toString(16).padStart(4, '0').padEnd(40, 'c'),
    time: new Date(Date.UTC(2026, 10, 1) + k * 3_600_000).toISOString(),
    runner: { cpuModel: 'Test CPU', cores: 2, os: 'Linux', node: 'v20', runner: 'r1' },
    settings: { target: 'http://127.0.0.1:{port}/', connections: 50, roundDurationSec: 10, warmupSec: 'auto' },
    arms: {
      off: { samplingRate: null, metrics: { qps: { n: 8, geoMean: Math.exp(m), logSd: sd, blocks } } },
      'on@1': { samplingRate: 1, metrics: {} }
    },
    intervals: [
      {
        kind: 'overhead',
        armId: 'on@1',
        referenceArmId: 'off',
        metric: 'qps',
        n: 8,
        ratio,
        overhead: 1 - ratio,
        ciLow: 1 - ratio - 0.02,
        ciHigh: 1 - ratio + 0.02,
        confidence: 0.95
      }
    ]
  }
}
