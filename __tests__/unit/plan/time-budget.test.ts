import { MIN_CUT_BLOCKS, nextLook } from '../../../src/plan/time-budget.js'

const base = { taken: 8, planned: 16, elapsedMs: 100_000, msPerBlock: 12_500, budgetMs: 180_000 }

describe('the next look within the time budget', () => {
  test('a planned look that fits is taken whole', () => {
    expect(nextLook({ ...base, budgetMs: 400_000 })).toEqual({ blocks: 16, cut: false })
    expect(nextLook({ ...base, budgetMs: 202_000 })).toEqual({ blocks: 16, cut: false })
    expect(nextLook({ ...base, budgetMs: 201_000 })).toEqual({ blocks: 15, cut: true })
  })

  test('no limit: always the planned look', () => {
    expect(nextLook({ ...base, budgetMs: 0, elapsedMs: 1e9 })).toEqual({ blocks: 16, cut: false })
  })

  test('only part fits: cut to the blocks that end within the budget', () => {
    // 80 s left, 2 s of it kept for the end, at 12.5 s per block: 6 blocks.
    expect(nextLook(base)).toEqual({ blocks: 14, cut: true })
  })

  test(`fewer than ${MIN_CUT_BLOCKS} more blocks fit: no further look`, () => {
    expect(nextLook({ ...base, elapsedMs: 150_000 })).toEqual({ blocks: 10, cut: true })
    expect(nextLook({ ...base, elapsedMs: 155_000 })).toBeNull()
    expect(nextLook({ ...base, elapsedMs: 170_000 })).toBeNull()
    expect(nextLook({ ...base, elapsedMs: 190_000 })).toBeNull()
  })

  test('after the last planned look there is none', () => {
    expect(nextLook({ ...base, planned: null, budgetMs: 0 })).toBeNull()
  })

  test('a next look that adds no blocks is a programming error', () => {
    expect(() => nextLook({ ...base, planned: 8 })).toThrow('the next look must add blocks: 8 after 8')
  })
})
