import { bar, createProgress, liveLine, roundLine, type ProgressOptions } from '../../../src/cli/progress.js'
import type { RoundResult } from '../../../src/types.js'
import { makeRound } from '../../helpers/rounds.js'

function round(
  over: { block?: number; armId?: string; qps?: number; p99Us?: number; spans?: number; non2xx?: number } = {}
): RoundResult {
  return makeRound({ block: 1, armId: 'on@0.01', qps: 11234.4, p99Us: 4123, spans: 5312, ...over })
}

function make(over: Partial<ProgressOptions> = {}) {
  let text = ''
  const p = createProgress({
    write: (s) => (text += s),
    tty: false,
    quiet: false,
    verbose: false,
    roundDurationSec: 5,
    ...over
  })
  return { p, text: () => text }
}

describe('round lines', () => {
  test('the plain line has the issue format', () => {
    expect(roundLine(2, 24, round())).toBe('round 3/24  block 2  on@0.01  QPS 11234  P99 4.12 ms  spans 5312')
  })
  test('failed requests are shown when there are any', () => {
    expect(roundLine(0, 2, round({ non2xx: 3 }))).toMatch(/ {2}failed 3$/)
  })
  test.each([
    [0, 24, 0],
    [12, 24, 10],
    [24, 24, 20],
    [30, 24, 20]
  ])('bar(%d, %d) has %d filled cells', (done, total, filled) => {
    const b = bar(done, total)
    expect(b).toHaveLength(22)
    expect([...b].filter((c) => c === '█')).toHaveLength(filled)
  })
  test('live line: starting, then QPS so far and seconds', () => {
    const live = { index: 2, total: 24, block: 1, armId: 'off' }
    expect(liveLine(live, 5)).toMatch(/^\[█+·+\] round 3\/24 {2}block 2 {2}off {2}starting$/)
    expect(liveLine({ ...live, elapsedSec: 2.2, qps: 9876.5 }, 5)).toMatch(/ {2}QPS 9877 {2}2\/5 s$/)
  })
})

describe('createProgress, not a TTY', () => {
  test('one plain line per finished round, logs outside rounds, warnings always, no control characters', () => {
    const { p, text } = make()
    p.hooks.info('seed 42')
    p.hooks.onRoundStart({ index: 0, total: 2, block: 0, armId: 'off' })
    p.hooks.info('service started: pid 1') // inside a round: hidden unless --verbose
    p.hooks.onProgress({ index: 0, total: 2, armId: 'off', elapsedSec: 1, ok: 100 })
    p.hooks.warn('receiver rejected 1 request')
    p.hooks.onRoundEnd({ index: 0, total: 2, round: round({ block: 0, armId: 'off' }) })
    p.finish()
    expect(text()).toBe(
      'seed 42\nwarning: receiver rejected 1 request\nround 1/2  block 1  off  QPS 11234  P99 4.12 ms  spans 5312\n'
    )
  })

  test('--verbose shows the per-round logs', () => {
    const { p, text } = make({ verbose: true })
    p.hooks.onRoundStart({ index: 0, total: 2, block: 0, armId: 'off' })
    p.hooks.info('service started: pid 1')
    expect(text()).toBe('service started: pid 1\n')
  })

  test('--quiet shows warnings only', () => {
    const { p, text } = make({ quiet: true, tty: true })
    p.hooks.info('seed 42')
    p.hooks.onRoundStart({ index: 0, total: 2, block: 0, armId: 'off' })
    p.hooks.onProgress({ index: 0, total: 2, armId: 'off', elapsedSec: 1, ok: 100 })
    p.hooks.warn('w')
    p.hooks.onRoundEnd({ index: 0, total: 2, round: round() })
    p.finish()
    expect(text()).toBe('warning: w\n')
  })
})

describe('createProgress on a TTY', () => {
  test('one line per round updated in place, finished with the round summary', () => {
    const { p, text } = make({ tty: true, columns: 120 })
    p.hooks.onRoundStart({ index: 0, total: 2, block: 0, armId: 'on@1' })
    p.hooks.onProgress({ index: 0, total: 2, armId: 'on@1', elapsedSec: 1, ok: 4000 })
    p.hooks.onProgress({ index: 0, total: 2, armId: 'on@1', elapsedSec: 2, ok: 9000 })
    p.hooks.onRoundEnd({ index: 0, total: 2, round: round({ block: 0, armId: 'on@1' }) })
    p.finish()
    const out = text()
    // Every update rewrites the same line: no newline until the round is over.
    const [live, rest] = [out.slice(0, out.lastIndexOf('round 1/2  block 1  on@1  QPS 11234')), out]
    expect(live).not.toContain('\n')
    expect(live).toContain('\r\x1b[2K')
    expect(live).toContain('starting')
    expect(live).toContain('QPS 4000  1/5 s')
    expect(live).toContain('QPS 4500  2/5 s')
    expect(rest.endsWith('round 1/2  block 1  on@1  QPS 11234  P99 4.12 ms  spans 5312\n')).toBe(true)
  })

  test('a log line clears the live line, prints, and redraws it', () => {
    const { p, text } = make({ tty: true })
    p.hooks.onRoundStart({ index: 0, total: 2, block: 0, armId: 'off' })
    p.hooks.warn('careful')
    // eslint-disable-next-line no-control-regex -- the terminal's erase-line sequence is what is checked
    expect(text()).toMatch(/starting\r\x1b\[2Kwarning: careful\n\r\x1b\[2K\[.*starting$/)
  })

  test('the live line is cut to the terminal width', () => {
    const { p, text } = make({ tty: true, columns: 30 })
    p.hooks.onRoundStart({ index: 0, total: 2, block: 0, armId: 'on@0.000001' })
    const line = text().split('\r\x1b[2K').pop() as string
    expect(line.length).toBeLessThanOrEqual(29)
    expect(line.endsWith('…')).toBe(true)
  })

  test('finish clears a live line', () => {
    const { p, text } = make({ tty: true })
    p.hooks.onRoundStart({ index: 0, total: 2, block: 0, armId: 'off' })
    p.finish()
    expect(text().endsWith('\r\x1b[2K')).toBe(true)
  })
})

test('a terminal that reports 0 columns (a pty without a size) gets 80', () => {
  const { p, text } = make({ tty: true, columns: 0 })
  p.hooks.onRoundStart({ index: 0, total: 2, block: 0, armId: 'off' })
  expect(text()).toMatch(/round 1\/2 {2}block 1 {2}off {2}starting$/)
})
