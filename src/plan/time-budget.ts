/**
 * Where the looks of a run go within its `time-budget` (pure). The schedule is planned from the time
 * per block — an estimate before the first block, the measured one after it and after every look — so
 * that the budget holds at least two looks where it can: a run that stops at its first look with
 * one comparison undecided shrugs at clean changes (INCONCLUSIVE) far more often than one with a
 * second look (bench/sim-honesty.ts, `npm run sim -- --only honesty`; docs/method-verdicts.md). The
 * schedule depends on the clock, never on the data, so the group-sequential design re-planned from it
 * keeps its error rates (the looks already taken keep their levels, the last look spends all the α left:
 * analysis/sequential.ts).
 */
import { MIN_BLOCKS } from './plan.js'

/** A look cut to fewer than this many extra blocks is not worth its boot and warm-up: the run stops instead. */
export const MIN_CUT_BLOCKS = 2

/**
 * Fewest blocks at the first look of a two-look schedule: with 5 the 20 % trimmed mean keeps 3 of them
 * (h = 3); below that a first look can hardly decide anything and only spends α.
 */
export const MIN_FIRST_LOOK = 5

/**
 * Share of the blocks the budget holds at which the first look is placed when the budget holds fewer
 * than two full looks of `rounds` blocks: ⌈share·N⌉, at most `rounds` (at the default, N = 13: 8).
 * Simulated at N = 13 (`npm run sim -- --only honesty --looks 6,13` / `7,13` / `8,13`), first looks at
 * 6, 7 and 8 blocks met every target with rates within a few tenths of a percent of each other
 * (docs/method-verdicts.md); a little over half keeps `rounds` where the budget allows it and leaves
 * the second look enough blocks to add.
 */
export const FIRST_LOOK_SHARE = 0.55

/**
 * Kept free at the end of the budget for closing the rig, the last analysis and the report (and blocks a little slower
 * than predicted).
 */
export const END_RESERVE_MS = 2000

/**
 * Per-block SD of a QPS log-ratio assumed when choosing how long a boot lives (`blocks-per-boot: auto`): the
 * alternating design's, measured on the reference VM between 1.25 % (Gin at 100 %) and 6.7 % (Node at 1 %), 3-4.6 %
 * typical (bench/results/designs.jsonl, 2026-12-06/07). The boot length goes with its square root, so a factor of
 * two here moves it by √2.
 */
export const BOOT_PLAN_BLOCK_SD = 0.03

/**
 * `blocks-per-boot: auto`: how many blocks one boot should measure so that the interval is narrowest for the time
 * spent. A boot of m blocks costs W + m·b (W: start-up and warm-up; b: a warm block) and its blocks share the
 * processes' lifelong offset (between-boot SD τ of a comparison's log-ratio), so over a fixed time the variance
 * of the estimate is about (τ² + σ²/m)·(W + m·b)/T, smallest at m = √(W·σ² / (b·τ²)) (the cluster-size rule of
 * two-stage sampling). Cheap warm-ups (Go) give 1 (fresh processes every block, as the offset is then part of
 * every block's noise); a JVM's 120 s warm-up gives 8 or more. Rounded, at least 1; 0 (until the next look) when
 * τ is 0.
 */
export function bootLength(input: { msPerBoot: number; msPerBlock: number; tau: number; blockSd?: number }): number {
  const { msPerBoot, msPerBlock, tau } = input
  const sd = input.blockSd ?? BOOT_PLAN_BLOCK_SD
  if (!(tau > 0)) return 0
  if (!(msPerBlock > 0) || !(msPerBoot >= 0)) return 1
  return Math.max(1, Math.round(Math.sqrt((msPerBoot * sd * sd) / (msPerBlock * tau * tau))))
}

/** Inputs of scheduleLooks(). */
export interface ScheduleInput {
  /** Blocks at the first look when the budget allows (the `rounds` input), and between later looks. */
  rounds: number
  /** Most blocks ever run (`max-rounds`). */
  maxRounds: number
  /** Looks already taken (cumulative blocks), oldest first; [] before the first look. */
  taken: readonly number[]
  /** Blocks measured so far (≥ the last look taken). */
  blocks: number
  /** Wall ms since the run started, and ms per block (measured, or estimated before the first block). */
  elapsedMs: number
  msPerBlock: number
  /** The `time-budget` in ms; 0 = no limit. */
  budgetMs: number
  /**
   * Processes kept across blocks (alternating, `blocks-per-boot`): ms a boot costs before its first block is
   * measured (start-up and warm-up), paid again after every look (a look ends its boot); `msPerBlock` is then a
   * warm block's. Absent or 0: every block boots its own processes and `msPerBlock` includes that.
   */
  msPerBoot?: number
  /** With `msPerBoot`: most blocks per boot (0: until the next look). */
  blocksPerBoot?: number
  /** With `msPerBoot`: blocks measured so far on the boot that is still running (0: none is running). */
  blocksInBoot?: number
}

/** The looks of a run as planned now, and whether the budget could hold two of them. */
export interface LookSchedule {
  /** Every look, taken and planned (cumulative blocks, increasing); the last is the final one. */
  looks: number[]
  /** Most blocks the budget holds at this time per block (≤ maxRounds; maxRounds without a budget). */
  capacity: number
  /**
   * Set when the budget holds only one look although the plan allows more: the budget in whole
   * seconds that would hold two looks at this time per block (same start-up time), and those looks.
   */
  oneLook?: { budgetSec: number; looks: number[] }
}

/** Most blocks that end within the budget at this time per block (maxRounds without a budget). */
export function capacityOf(input: ScheduleInput): number {
  const { maxRounds, blocks, elapsedMs, msPerBlock, budgetMs } = input
  if (budgetMs <= 0 || !(msPerBlock > 0)) return maxRounds
  const left = budgetMs - END_RESERVE_MS - elapsedMs
  return Math.min(maxRounds, blocks + Math.max(0, Math.floor(left / msPerBlock)))
}

/** The looks before any is taken for a budget that holds `capacity` blocks (without the one-look fallback). */
function firstLooks(rounds: number, capacity: number, maxRounds: number): number[] {
  // Not held back by the budget: the plan as configured (looks every `rounds` blocks up to max-rounds).
  if (capacity >= 2 * rounds || (capacity >= maxRounds && capacity >= rounds))
    return laterLooks(rounds, [rounds], capacity)
  const first = Math.min(rounds, Math.max(MIN_FIRST_LOOK, Math.ceil(FIRST_LOOK_SHARE * capacity)))
  if (capacity - first >= MIN_CUT_BLOCKS) return [first, capacity]
  return []
}

/** Looks after the last taken one: every `rounds` blocks, the last at `capacity`, none closer than MIN_CUT_BLOCKS. */
function laterLooks(rounds: number, taken: readonly number[], capacity: number): number[] {
  const out = [...taken]
  const last = (): number => out[out.length - 1]
  while (last() + rounds <= capacity - MIN_CUT_BLOCKS) out.push(last() + rounds)
  if (capacity - last() >= MIN_CUT_BLOCKS) out.push(capacity)
  return out
}

/**
 * The looks of the run as planned now. Before the first look: at `rounds`, then every `rounds` up to what
 * the budget holds; when that is fewer than 2·`rounds` blocks, two looks, the first at
 * ⌈FIRST_LOOK_SHARE·N⌉ (≤ rounds, ≥ MIN_FIRST_LOOK), the second at N; when not even that fits, one
 * look at min(rounds, N) (at least MIN_BLOCKS) and `oneLook` says what budget would hold two.
 * After a look: the looks taken, then every `rounds` blocks up to what the budget now holds (a last
 * step shorter than MIN_CUT_BLOCKS is dropped); no further look when fewer than MIN_CUT_BLOCKS fit.
 */
export function scheduleLooks(input: ScheduleInput): LookSchedule {
  const { rounds, maxRounds, taken, blocks, msPerBlock } = input
  if (!(Number.isInteger(rounds) && rounds >= MIN_BLOCKS))
    throw new RangeError(`rounds must be an integer ≥ ${MIN_BLOCKS}, got ${String(rounds)}`)
  if (!(Number.isInteger(maxRounds) && maxRounds >= rounds))
    throw new RangeError(`max-rounds must be an integer ≥ rounds (${rounds}), got ${String(maxRounds)}`)
  if ((input.msPerBoot ?? 0) > 0 && input.budgetMs > 0 && msPerBlock > 0) return scheduleBootLooks(input)
  const capacity = capacityOf(input)
  if (taken.length > 0) {
    const last = taken[taken.length - 1]
    if (!(blocks >= last)) throw new RangeError(`blocks measured (${blocks}) must be ≥ the last look (${last})`)
    return { looks: laterLooks(rounds, taken, Math.max(capacity, last)), capacity }
  }
  // A look never lands on blocks already run without a look (re-planned after the first block).
  const planned = firstLooks(rounds, Math.max(capacity, blocks), maxRounds).filter((b) => b >= blocks)
  if (planned.length >= 2 || (planned.length === 1 && capacity >= maxRounds)) return { looks: planned, capacity }
  const single = Math.max(MIN_BLOCKS, blocks, Math.min(rounds, capacity))
  if (maxRounds <= single) return { looks: [single], capacity }
  // The smallest capacity that gets two looks, and the budget that holds it at this time per block.
  let need = single + 1
  while (need <= maxRounds && firstLooks(rounds, need, maxRounds).length < 2) need++
  // max-rounds itself allows no second look: one look is the plan, not the budget's doing.
  if (need > maxRounds) return { looks: [single], capacity }
  const two = firstLooks(rounds, need, maxRounds)
  const startMs = input.elapsedMs - blocks * msPerBlock
  const budgetSec = Math.ceil((Math.max(0, startMs) + need * msPerBlock + END_RESERVE_MS) / 1000)
  return { looks: [single], capacity, oneLook: { budgetSec, looks: two } }
}

/**
 * The looks of a run whose budget holds `blocks` blocks from its start (firstLooks; max-rounds raised to `blocks`
 * when below it): where a longer run's looks would go.
 */
export function looksForBlocks(rounds: number, blocks: number, maxRounds: number): number[] {
  const looks = firstLooks(rounds, blocks, Math.max(maxRounds, blocks))
  return looks.length > 0 ? looks : [blocks]
}

/** A finished run's pace (LooksInfo's), from which the time of a longer run is projected. */
export interface RunPace {
  /** Wall s from the run's start to its first block (calibration, collector, receiver). */
  secBeforeBlocks: number
  /** Wall s per block over the run, boots included (the pace without kept boots). */
  secPerBlock: number
  /** Processes kept across blocks: s a boot costs apart from its blocks, s per warm block, most blocks per boot. */
  secPerBoot?: number
  secPerWarmBlock?: number
  blocksPerBoot?: number
}

/**
 * Whole seconds of `time-budget` that would hold a run of `blocks` blocks at this pace, with its looks planned as
 * looksForBlocks() places them (kept boots: every look ends its boot, bootPlanMs), END_RESERVE_MS kept; rounded
 * up to 10 s.
 */
export function budgetForBlocks(pace: RunPace, rounds: number, blocks: number, maxRounds: number): number {
  const looks = looksForBlocks(rounds, blocks, maxRounds)
  const kept = pace.secPerBoot !== undefined && pace.secPerWarmBlock !== undefined
  const ms = kept
    ? bootPlanMs(
        {
          rounds,
          maxRounds: Math.max(maxRounds, blocks),
          taken: [],
          blocks: 0,
          elapsedMs: 0,
          msPerBlock: (pace.secPerWarmBlock as number) * 1000,
          budgetMs: 0,
          msPerBoot: (pace.secPerBoot as number) * 1000,
          blocksPerBoot: pace.blocksPerBoot ?? 0,
          blocksInBoot: 0
        },
        looks
      )
    : blocks * pace.secPerBlock * 1000
  return Math.ceil((pace.secBeforeBlocks * 1000 + ms + END_RESERVE_MS) / 10000) * 10
}

/**
 * Ms from now to the end of `looks` (the looks still to come, increasing) when every look ends its boot:
 * each segment between looks boots once (and again every `blocksPerBoot` blocks), the first continuing the
 * boot still running, if any.
 */
export function bootPlanMs(input: ScheduleInput, looks: readonly number[]): number {
  const W = input.msPerBoot ?? 0
  const cap = input.blocksPerBoot ?? 0
  const bootsFor = (k: number, inBoot: number): number => {
    if (k <= 0) return 0
    if (cap <= 0) return inBoot > 0 ? 0 : 1
    return Math.ceil((inBoot + k) / cap) - Math.ceil(inBoot / cap)
  }
  let from = input.blocks
  let inBoot = input.blocksInBoot ?? 0
  let ms = 0
  for (const look of looks) {
    const k = look - from
    ms += bootsFor(k, inBoot) * W + k * input.msPerBlock
    from = look
    inBoot = 0
  }
  return ms
}

/**
 * scheduleLooks() for processes kept across blocks: the same patterns of looks (firstLooks, laterLooks), the
 * largest whose blocks and boots end within the budget (END_RESERVE_MS kept).
 */
function scheduleBootLooks(input: ScheduleInput): LookSchedule {
  const { rounds, maxRounds, taken, blocks } = input
  const left = input.budgetMs - END_RESERVE_MS - input.elapsedMs
  const fits = (looks: readonly number[]): boolean => bootPlanMs(input, looks) <= left
  if (taken.length > 0) {
    const last = taken[taken.length - 1]
    if (!(blocks >= last)) throw new RangeError(`blocks measured (${blocks}) must be ≥ the last look (${last})`)
    for (let c = maxRounds; c > last; c--) {
      const looks = laterLooks(rounds, taken, c)
      if (looks.length > taken.length && fits(looks.slice(taken.length))) return { looks, capacity: c }
    }
    return { looks: [...taken], capacity: last }
  }
  // One segment: the most blocks the budget holds in one boot (capacity, as scheduleLooks reports it).
  let one = blocks
  while (one < maxRounds && fits([one + 1])) one++
  for (let n = maxRounds; n >= blocks + MIN_CUT_BLOCKS; n--) {
    const looks = firstLooks(rounds, n, maxRounds).filter((b) => b >= blocks)
    if (looks.length >= 2 && fits(looks)) return { looks, capacity: n }
  }
  const single = Math.max(MIN_BLOCKS, blocks, Math.min(rounds, one))
  if (maxRounds <= single || one >= maxRounds) return { looks: [single], capacity: one }
  // The smallest two-look plan, and the budget that holds it at these times.
  for (let n = single + 1; n <= maxRounds; n++) {
    const two = firstLooks(rounds, n, maxRounds).filter((b) => b >= blocks)
    if (two.length < 2) continue
    const budgetSec = Math.ceil((input.elapsedMs + bootPlanMs(input, two) + END_RESERVE_MS) / 1000)
    return { looks: [single], capacity: one, oneLook: { budgetSec, looks: two } }
  }
  return { looks: [single], capacity: one }
}
