/**
 * The order of a block's slices, pure. In the alternating design the block's arms take the shared
 * core one at a time; cycle c gives each arm one slice, in the start order when c is even and in the
 * reverse order when c is odd (A B C · C B A · A B C …), so over every two cycles each arm's slices sit
 * at the same mean position in time and a linear drift of the host cancels out of every ratio.
 */

/** Which targets (indices) are loaded in one slice. */
export type SliceSet = readonly number[]

/** How a block's targets share the slices: one at a time, or all together (side by side, or one target alone). */
export type SliceMode = 'alternate' | 'together'

/** The slices of cycle `cycle` for `targets` targets in start order 0..targets-1. */
export function cycleSlices(mode: SliceMode, targets: number, cycle: number): SliceSet[] {
  if (!Number.isInteger(targets) || targets < 1) throw new Error(`slices need ≥ 1 target, got ${targets}`)
  const all = Array.from({ length: targets }, (_, i) => i)
  if (mode === 'together') return [all]
  const order = cycle % 2 === 0 ? all : [...all].reverse()
  return order.map((i) => [i])
}

/**
 * Measured cycles for `measuredSec` seconds per target in slices of `sliceSec`: an even number (the
 * reversal balances only in pairs), at least 2.
 */
export function measuredCycles(measuredSec: number, sliceSec: number): number {
  if (!(measuredSec > 0) || !(sliceSec > 0)) {
    throw new Error(`measured cycles need positive durations, got ${measuredSec} s in slices of ${sliceSec} s`)
  }
  return Math.max(2, 2 * Math.round(measuredSec / sliceSec / 2))
}
