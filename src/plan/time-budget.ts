/**
 * How far the next look of a run may go within the `time-budget` (pure): the planned look when it
 * fits, fewer blocks when only part of it fits (that look is then the last and spends the α left,
 * see analysis/sequential.ts `finalAt`), or none (the look just taken is the last).
 */

/** A look cut to fewer than this many extra blocks is not worth its boot and warm-up: the run stops instead. */
export const MIN_CUT_BLOCKS = 2

/** Kept free at the end of the budget for closing the rig, the last analysis and the report (and blocks a little slower than predicted). */
export const END_RESERVE_MS = 2000

export interface NextLookInput {
  /** Blocks measured so far (the look just taken). */
  taken: number
  /** Blocks of the next planned look, or null when the look just taken was the last planned. */
  planned: number | null
  /** Wall ms since the run started, and ms per block as measured over the look just taken. */
  elapsedMs: number
  msPerBlock: number
  /** The `time-budget` in ms; 0 = no limit. */
  budgetMs: number
}

/** The next look: its blocks and whether the budget cut it (then it is final), or null (stop after this look). */
export type NextLook = { blocks: number; cut: boolean } | null

/** Where the next look ends: the planned look if it ends within the budget, else as many blocks as fit (≥ MIN_CUT_BLOCKS more), else none. */
export function nextLook(input: NextLookInput): NextLook {
  const { taken, planned, elapsedMs, msPerBlock, budgetMs } = input
  if (planned === null) return null
  if (!(planned > taken)) throw new RangeError(`the next look must add blocks: ${planned} after ${taken}`)
  if (budgetMs <= 0) return { blocks: planned, cut: false }
  const left = budgetMs - END_RESERVE_MS - elapsedMs
  const fit = msPerBlock > 0 ? Math.floor(left / msPerBlock) : planned - taken
  if (fit >= planned - taken) return { blocks: planned, cut: false }
  if (fit < MIN_CUT_BLOCKS) return null
  return { blocks: taken + fit, cut: true }
}
