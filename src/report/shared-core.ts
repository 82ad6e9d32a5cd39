/**
 * Was the services' shared CPU saturated? Side by side, the arms' throughput ratio is the inverse
 * ratio of their CPU cost per request only while the core they share is busy all the time: when
 * something else limits throughput (the load generator, too few connections, the service waiting on
 * I/O), the core idles, every arm gets what it asks for, and a costlier arm loses less QPS than its
 * cost — QPS understates tracing's CPU cost. CPU per request stays sound. Pure.
 */
import { median } from 'simple-statistics'
import type { Comparison, RoundResult } from '../types.js'
import { fmtPct } from '../format.js'

/** The rounds of each block, blocks in order of first appearance. */
function byBlock(rounds: readonly RoundResult[]): RoundResult[][] {
  const blocks = new Map<number, RoundResult[]>()
  for (const r of rounds) blocks.set(r.block, [...(blocks.get(r.block) ?? []), r])
  return [...blocks.values()]
}

/** Below this median busy share of the shared CPUs a report warns. */
export const SATURATED_CORE_MIN_BUSY = 0.9

/**
 * Per side-by-side block whose rounds all record the CPUs they shared and their own CPU: the sum of
 * the services' CPU over the window ÷ those CPUs. Median over such blocks, or null when none.
 */
export function sharedCoreBusy(rounds: readonly RoundResult[]): { busy: number; blocks: number } | null {
  const shares: number[] = []
  for (const rs of byBlock(rounds)) {
    const cpus = rs[0]?.sharedCpus
    if (cpus === undefined || cpus <= 0 || rs.some((r) => r.sharedCpus !== cpus || r.resources === undefined)) continue
    // Each service's average CPU over its sampled span (the window, or the whole alternating phase).
    shares.push(
      rs.reduce((a, r) => a + (r.resources as NonNullable<RoundResult['resources']>).cpuPctAvg / 100, 0) / cpus
    )
  }
  return shares.length === 0 ? null : { busy: median(shares), blocks: shares.length }
}

/** The settings line, plus a warning for the top of the report when the shared CPU idled. */
export function sharedCoreLines(rounds: readonly RoundResult[]): { setting: string[]; warning: string[] } {
  const s = sharedCoreBusy(rounds)
  if (s === null) return { setting: [], warning: [] }
  const setting = [
    `services' shared CPU busy ${fmtPct(s.busy, { digits: 0 })} of the measured windows (median over ${s.blocks} ` +
      `blocks)`
  ]
  if (s.busy >= SATURATED_CORE_MIN_BUSY) return { setting, warning: [] }
  return {
    setting,
    warning: [
      `> ⚠️ The services' shared CPU was busy only ${fmtPct(s.busy, { digits: 0 })} of the measured windows (median ` +
        `over ${s.blocks} blocks): something other than the services limited throughput (the load generator, too few ` +
        `connections, or waiting on I/O), so QPS ratios understate what tracing costs in CPU. CPU per request is ` +
        `still sound: gate on \`max-cpu-overhead\`, or raise \`connections\`.`
    ]
  }
}

/**
 * Service processes that shared the CPU at once in a block: its distinct receiver slots (side by side
 * every process of a block, each of `processes-per-arm` too, has a slot of its own; sequential rounds
 * all use slot 0, one service at a time). The largest count over the blocks, or null when no round
 * records a slot.
 */
export function processesAtOnce(rounds: readonly RoundResult[]): number | null {
  // Alternating rounds were loaded one at a time: the other processes were alive but idle.
  const slotted = rounds.filter((r) => r.slot !== undefined && r.block >= 0 && r.slices === undefined)
  const counts = byBlock(slotted).map(
    (rs) => new Set(rs.flatMap((r) => r.replicas?.map((p) => p.slot) ?? [r.slot])).size
  )
  return counts.length === 0 ? null : Math.max(...counts)
}

/**
 * The caveat under the overhead table of a side-by-side run. Measured (docs/accuracy.md): the Node
 * fixture's traced service (1 % sampling) loses more throughput per CPU-second to the processes it
 * shares a core with than its untraced one (QPS overhead 28.6 % alone, 33 % beside one other process,
 * 38 % with three, 60 % with six); the Go Gin fixture at 100 % hardly (23–24 % alone and with two, 27 %
 * with four). So side-by-side overheads can read above tracing's cost on a core of its own and depend
 * on how many processes share it.
 */
export function coRunnerNote(rounds: readonly RoundResult[]): string[] {
  const n = processesAtOnce(rounds)
  if (n === null || n < 2) return []
  return [
    `Measured side by side: ${n} service processes shared the CPU at once. A traced service can lose more to the ` +
      `processes it shares a core with than an untraced one (the Node fixture did, the Go one barely: ` +
      `docs/accuracy.md), so these overheads can read above tracing's cost on a core of its own, and higher the more ` +
      `processes share it: compare them only with runs of the same arms and \`processes-per-arm\`. Head vs base in ` +
      `the same blocks share this bias.`,
    ''
  ]
}

/**
 * One line under the overhead table saying how the numbers were measured, for the alternating design
 * (the other designs have the co-runner caveat, or nothing to say beyond the settings): fresh processes per
 * block, or processes kept across blocks (boots) with the process offset the intervals carry.
 */
export function designNote(rounds: readonly RoundResult[], comparisons: readonly Comparison[] = []): string[] {
  const alt = rounds.filter((r) => r.slices !== undefined && r.block >= 0)
  if (alt.length === 0) return []
  const arms = new Set(alt.map((r) => r.armId)).size
  const slices = median(alt.map((r) => r.slices as number))
  const first = alt[0].armId
  const bootBlocks = new Map<number, number>()
  for (const r of alt.filter((x) => x.armId === first && x.boot !== undefined))
    bootBlocks.set(r.boot as number, (bootBlocks.get(r.boot as number) ?? 0) + 1)
  const kept = [...bootBlocks.values()].some((n) => n > 1)
  const spreads = comparisons.flatMap((c) => (c.boots !== undefined ? [c.boots] : []))
  const tau = spreads.length > 0 ? Math.max(...spreads.map((b) => b.tau)) : NaN
  const how = kept
    ? `the ${arms} arms ran as processes kept across blocks (${bootBlocks.size} ` +
      `boot${bootBlocks.size === 1 ? '' : 's'} of ${[...bootBlocks.values()].join(' + ')} blocks, warmed up once ` +
      `each) on one shared core`
    : `in every block the ${arms} arms ran as fresh processes on one shared core`
  const offset =
    kept && Number.isFinite(tau)
      ? ` Each interval includes the lifelong speed offset of the processes compared (up to ` +
        `${fmtPct(tau, { digits: 1 })} between boots), which more blocks on the same processes cannot average out.`
      : ''
  return [
    `Measured alternating: ${how} and the load went to one arm at a time (${slices} slices each, in balanced ` +
      `order), so each number is that service alone on the core; CPU per request counts all of a process's CPU ` +
      `in the block.${offset}`,
    ''
  ]
}
