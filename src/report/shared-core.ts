/**
 * Was the services' shared CPU saturated? Side by side, the arms' throughput ratio is the inverse
 * ratio of their CPU cost per request only while the core they share is busy all the time: when
 * something else limits throughput (the load generator, too few connections, the service waiting on
 * I/O), the core idles, every arm gets what it asks for, and a costlier arm loses less QPS than its
 * cost — QPS understates tracing's CPU cost. CPU per request stays sound. Pure.
 */
import { median } from 'simple-statistics'
import type { RoundResult } from '../types.js'
import { fmtPct } from './format.js'

/** Below this median busy share of the shared CPUs a report warns. */
export const SATURATED_CORE_MIN_BUSY = 0.9

/**
 * Per side-by-side block whose rounds all record the CPUs they shared and their own CPU: the sum of
 * the services' CPU over the window ÷ those CPUs. Median over such blocks, or null when none.
 */
export function sharedCoreBusy(rounds: readonly RoundResult[]): { busy: number; blocks: number } | null {
  const byBlock = new Map<number, RoundResult[]>()
  for (const r of rounds) byBlock.set(r.block, [...(byBlock.get(r.block) ?? []), r])
  const shares: number[] = []
  for (const rs of byBlock.values()) {
    const cpus = rs[0]?.sharedCpus
    if (cpus === undefined || cpus <= 0 || rs.some((r) => r.sharedCpus !== cpus || r.resources === undefined || !(r.load.durationSec > 0))) continue
    shares.push(rs.reduce((a, r) => a + (r.resources as NonNullable<RoundResult['resources']>).cpuSeconds / r.load.durationSec, 0) / cpus)
  }
  return shares.length === 0 ? null : { busy: median(shares), blocks: shares.length }
}

/** The settings line, plus a warning for the top of the report when the shared CPU idled. */
export function sharedCoreLines(rounds: readonly RoundResult[]): { setting: string[]; warning: string[] } {
  const s = sharedCoreBusy(rounds)
  if (s === null) return { setting: [], warning: [] }
  const setting = [`services' shared CPU busy ${fmtPct(s.busy, { digits: 0 })} of the measured windows (median over ${s.blocks} blocks)`]
  if (s.busy >= SATURATED_CORE_MIN_BUSY) return { setting, warning: [] }
  return {
    setting,
    warning: [
      `> ⚠️ The services' shared CPU was busy only ${fmtPct(s.busy, { digits: 0 })} of the measured windows (median over ${s.blocks} blocks): ` +
        `something other than the services limited throughput (the load generator, too few connections, or waiting on I/O), ` +
        `so QPS ratios understate what tracing costs in CPU. CPU per request is still sound: gate on \`max-cpu-overhead\`, or raise \`connections\`.`
    ]
  }
}
