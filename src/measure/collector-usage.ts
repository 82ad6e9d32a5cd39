/** Merging collector usage across an arm's processes: pure, so replicas.ts needs no I/O module. */
import type { CollectorUsage } from '../types.js'

/**
 * The collectors of an arm's processes in one block (`processes-per-arm` > 1), as one: counts, bytes, CPU
 * and requests add up; they ran at once, so life and drain are the longest and the peak RSS is the sum of
 * the peaks (an upper bound of the arm's collectors' peak together). Undefined when none had a collector.
 */
export function mergeCollectorUsage(parts: readonly (CollectorUsage | undefined)[]): CollectorUsage | undefined {
  const cs = parts.filter((c): c is CollectorUsage => c !== undefined)
  if (cs.length === 0) return undefined
  if (cs.length === 1) return cs[0]
  const total = (f: (c: CollectorUsage) => number): number => cs.reduce((a, c) => a + f(c), 0)
  const optionalTotal = (f: (c: CollectorUsage) => number | undefined): number | undefined =>
    cs.every((c) => f(c) !== undefined) ? total((c) => f(c) as number) : undefined
  const spansIn = total((c) => c.spansIn)
  const spansOut = total((c) => c.spansOut)
  const spansSent = optionalTotal((c) => c.spansSent)
  const cpuSeconds = optionalTotal((c) => c.cpuSeconds)
  const rssPeakBytes = optionalTotal((c) => c.rssPeakBytes)
  const rssAvgBytes = optionalTotal((c) => c.rssAvgBytes)
  const requests = optionalTotal((c) => c.requests)
  const storeGrowthBytes = optionalTotal((c) => c.storeGrowthBytes)
  return {
    spansIn,
    spansOut,
    ...(spansSent !== undefined ? { spansSent } : {}),
    bytesOut: total((c) => c.bytesOut),
    exportRequests: total((c) => c.exportRequests),
    keepRatio: spansIn > 0 ? spansOut / spansIn : null,
    lifeSec: Math.max(...cs.map((c) => c.lifeSec)),
    drainSec: Math.max(...cs.map((c) => c.drainSec)),
    drainCapped: cs.some((c) => c.drainCapped),
    ...(cpuSeconds !== undefined ? { cpuSeconds } : {}),
    ...(rssPeakBytes !== undefined ? { rssPeakBytes } : {}),
    ...(rssAvgBytes !== undefined ? { rssAvgBytes } : {}),
    ...(requests !== undefined ? { requests } : {}),
    ...(storeGrowthBytes !== undefined ? { storeGrowthBytes } : {})
  }
}
