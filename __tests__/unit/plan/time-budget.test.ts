import { bootLength, bootPlanMs, capacityOf, MIN_CUT_BLOCKS, scheduleLooks } from '../../../src/plan/time-budget.js'

// The measured default: 12.75 s per block (bench/results/defaults-history.jsonl), the 180 s default budget.
const start = { rounds: 8, maxRounds: 24, taken: [], blocks: 0, elapsedMs: 0, msPerBlock: 12_750, budgetMs: 180_000 }

describe('looks planned from the time budget', () => {
  test('the default run gets two looks: 8 blocks, then what the budget holds (13)', () => {
    const s = scheduleLooks(start)
    expect(s.capacity).toBe(13) // (180 − 2) s / 12.75 s
    expect(s.looks).toEqual([8, 13])
    expect(s.oneLook).toBeUndefined()
  })

  test('no limit, or a budget that holds them all: the plan as configured (every `rounds` up to max-rounds)', () => {
    expect(scheduleLooks({ ...start, budgetMs: 0 }).looks).toEqual([8, 16, 24])
    expect(scheduleLooks({ ...start, budgetMs: 400_000 }).looks).toEqual([8, 16, 24])
    expect(scheduleLooks({ ...start, rounds: 8, maxRounds: 8, budgetMs: 0 })).toEqual({ looks: [8], capacity: 8 })
  })

  test('a budget between two and three looks: every `rounds`, the last at what fits', () => {
    // 20 blocks fit: 8, 16, 20; 17 fit: a last step of 1 block is not worth it, so 8 and 17.
    expect(scheduleLooks({ ...start, budgetMs: 2000 + 20 * 12_750 }).looks).toEqual([8, 16, 20])
    expect(scheduleLooks({ ...start, budgetMs: 2000 + 17 * 12_750 }).looks).toEqual([8, 17])
  })

  test('a short budget moves the first look earlier so that a second one fits', () => {
    const s = scheduleLooks({ ...start, budgetMs: 2000 + 10 * 12_750 })
    expect(s.looks).toEqual([6, 10])
    expect(scheduleLooks({ ...start, budgetMs: 2000 + 7 * 12_750 }).looks).toEqual([5, 7])
  })

  test('a budget that cannot hold two looks: one look, and the budget that would hold two', () => {
    const s = scheduleLooks({ ...start, budgetMs: 2000 + 6 * 12_750 })
    expect(s.looks).toEqual([6])
    // Two looks (5 and 7) need 7 blocks: 7 × 12.75 s + the 2 s reserve = 91.25 s → 92 s.
    expect(s.oneLook).toEqual({ budgetSec: 92, looks: [5, 7] })
    // Less than the fewest blocks any decision needs: still 3, never fewer.
    expect(scheduleLooks({ ...start, budgetMs: 1000 }).looks).toEqual([3])
  })

  test('the budget advice counts the start-up time spent before the first block', () => {
    // Re-planned after block 1 at 40 s per block, the first block ending 50 s into the run (10 s start-up).
    const s = scheduleLooks({ ...start, blocks: 1, elapsedMs: 50_000, msPerBlock: 40_000 })
    expect(s.capacity).toBe(4)
    expect(s.looks).toEqual([4])
    expect(s.oneLook).toEqual({ budgetSec: Math.ceil((10_000 + 7 * 40_000 + 2000) / 1000), looks: [5, 7] })
  })

  test('re-planned after the first block from its measured time', () => {
    // Slower than estimated: 20 s per block → 8 fit → 5 and 8.
    expect(scheduleLooks({ ...start, blocks: 1, elapsedMs: 20_000, msPerBlock: 20_000 }).looks).toEqual([5, 8])
  })

  test('after a look: the next every `rounds` blocks within what the budget now holds, or none', () => {
    const after8 = { ...start, taken: [8], blocks: 8, elapsedMs: 8 * 12_750 }
    expect(scheduleLooks(after8).looks).toEqual([8, 13])
    // Blocks got slower: only 1 more fits → no further look (this look is the last).
    expect(scheduleLooks({ ...after8, msPerBlock: 40_000, elapsedMs: 8 * 40_000 - 150_000 }).looks).toEqual([8])
    expect(scheduleLooks({ ...after8, budgetMs: 0 }).looks).toEqual([8, 16, 24])
  })

  test(`a later look never adds fewer than ${MIN_CUT_BLOCKS} blocks`, () => {
    for (let budget = 100_000; budget < 400_000; budget += 1_000) {
      const s = scheduleLooks({ ...start, budgetMs: budget })
      s.looks.forEach((b, i) => {
        if (i > 0) expect(b - s.looks[i - 1]).toBeGreaterThanOrEqual(MIN_CUT_BLOCKS)
      })
      expect(s.looks[s.looks.length - 1]).toBeLessThanOrEqual(24)
    }
  })

  test('capacity: blocks that end within the budget, capped at max-rounds', () => {
    expect(capacityOf({ ...start, budgetMs: 0 })).toBe(24)
    expect(capacityOf({ ...start, budgetMs: 10_000_000 })).toBe(24)
    expect(capacityOf({ ...start, blocks: 3, elapsedMs: 170_000 })).toBe(3)
  })

  test('inconsistent inputs are refused with the value', () => {
    expect(() => scheduleLooks({ ...start, rounds: 2 })).toThrow('rounds must be an integer ≥ 3, got 2')
    expect(() => scheduleLooks({ ...start, maxRounds: 4 })).toThrow('max-rounds must be an integer ≥ rounds (8), got 4')
    expect(() => scheduleLooks({ ...start, taken: [8], blocks: 5 })).toThrow(
      'blocks measured (5) must be ≥ the last look (8)'
    )
  })
})

describe('looks planned for processes kept across blocks (a boot per look)', () => {
  // The Node fixture's default run, measured (2026-12-07): 35 s per boot, 13.9 s per warm block of 3 arms.
  const kept = { ...start, msPerBlock: 13_900, msPerBoot: 35_000, blocksPerBoot: 0, blocksInBoot: 0 }

  test('each look pays one boot: two looks of 5 and 7 blocks fit in 180 s, where one boot would hold 10', () => {
    const s = scheduleLooks(kept)
    expect(s.looks).toEqual([5, 7])
    expect(bootPlanMs(kept, [5, 7])).toBe(2 * 35_000 + 7 * 13_900)
    expect(bootPlanMs(kept, [5, 7])).toBeLessThanOrEqual(178_000)
    // One more block would not fit with the second boot.
    expect(bootPlanMs(kept, [5, 8])).toBeGreaterThan(178_000)
  })

  test('a boot still running is not paid again; a cap of blocks per boot pays one boot per cap', () => {
    expect(bootPlanMs({ ...kept, blocks: 2, blocksInBoot: 2 }, [5])).toBe(3 * 13_900)
    expect(bootPlanMs({ ...kept, blocksPerBoot: 2 }, [5])).toBe(3 * 35_000 + 5 * 13_900)
    expect(bootPlanMs({ ...kept, blocks: 1, blocksInBoot: 1, blocksPerBoot: 2 }, [5])).toBe(2 * 35_000 + 4 * 13_900)
  })

  test('after a look the next segment boots again; none fits → the look taken is the last', () => {
    const after = { ...kept, taken: [5], blocks: 5, elapsedMs: 5 * 13_900 + 35_000 }
    expect(scheduleLooks(after).looks).toEqual([5, 7])
    expect(scheduleLooks({ ...after, elapsedMs: 150_000 }).looks).toEqual([5])
  })

  test('a budget without room for two boots: one look, and the budget that would hold two', () => {
    const s = scheduleLooks({ ...kept, budgetMs: 100_000 })
    expect(s.looks).toEqual([4])
    expect(s.oneLook?.looks.length).toBe(2)
    const two = s.oneLook!.looks
    expect(s.oneLook!.budgetSec * 1000).toBeGreaterThanOrEqual(bootPlanMs(kept, two) + 2000)
  })

  test('no budget: the plan as configured', () => {
    expect(scheduleLooks({ ...kept, budgetMs: 0 }).looks).toEqual([8, 16, 24])
  })
})

describe('blocks-per-boot auto: the boot length with the narrowest interval for the time (bootLength)', () => {
  test('√(W·σ²/(b·τ²)), rounded, at least 1', () => {
    // A JVM: a 150 s boot, 10 s blocks, pair offset 1.41 %, block SD 3 %: √(150·9/(10·2)) ≈ 8.2.
    expect(bootLength({ msPerBoot: 150_000, msPerBlock: 10_000, tau: 0.01 * Math.SQRT2 })).toBe(8)
    // Go: an 8 s boot, 10 s blocks, pair offset 1.98 %: √(8·9/(10·3.92)) ≈ 1.36 → fresh processes every block.
    expect(bootLength({ msPerBoot: 8_000, msPerBlock: 10_000, tau: 0.014 * Math.SQRT2 })).toBe(1)
    // Node, 3 arms: 21 s boot, 14 s blocks: ≈ 1.9 → 2.
    expect(bootLength({ msPerBoot: 21_000, msPerBlock: 14_000, tau: 0.014 * Math.SQRT2 })).toBe(2)
    // A noisier service warrants longer boots (√ of the block SD ratio).
    expect(bootLength({ msPerBoot: 21_000, msPerBlock: 14_000, tau: 0.014 * Math.SQRT2, blockSd: 0.06 })).toBe(4)
  })
  test('the minimum and the edges: no offset keeps a boot until the next look; no block time yet gives 1', () => {
    expect(bootLength({ msPerBoot: 0, msPerBlock: 10_000, tau: 0.02 })).toBe(1)
    expect(bootLength({ msPerBoot: 30_000, msPerBlock: 10_000, tau: 0 })).toBe(0)
    expect(bootLength({ msPerBoot: 30_000, msPerBlock: 0, tau: 0.02 })).toBe(1)
  })
})
