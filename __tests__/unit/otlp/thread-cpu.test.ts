/** The receiver worker's own CPU clock: parsing /proc/<tid>/schedstat and stat, and the clock over a /proc tree. */
import { expect } from '@jest/globals'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { parseSchedstat, parseThreadStatCpu, threadCpuClock } from '../../../src/otlp/thread-cpu.js'

// A real /proc/<tid>/stat line of a thread named with a space and a parenthesis (comm is field 2).
const STAT =
  '4242 (node worker) R) S 4200 4200 4100 0 -1 4194560 1200 0 0 0 250 37 0 0 20 0 9 0 123456 1000000 5000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0'

describe('parseSchedstat', () => {
  test.each([
    ['1234567890 4560 12\n', 1.23456789],
    ['0 0 0', 0],
    ['98765432109876 1 2\n', 98765.432109876]
  ])('%j → %d s', (text, seconds) => {
    expect(parseSchedstat(text)).toBeCloseTo(seconds, 9)
  })

  test.each(['', '12 34', '-1 2 3', '1.5 2 3', 'a b c', '1 2 3 4', '1 2 3\n\n'])(
    '%j is not a schedstat line',
    (text) => {
      expect(parseSchedstat(text)).toBeNull()
    }
  )
})

describe('parseThreadStatCpu', () => {
  test('utime + stime (fields 14 and 15) over the clock tick, after the last parenthesis of comm', () => {
    expect(parseThreadStatCpu(STAT, 100)).toBeCloseTo(2.87, 9)
    expect(parseThreadStatCpu(STAT, 250)).toBeCloseTo(1.148, 9)
  })

  test('not a stat line → null', () => {
    expect(parseThreadStatCpu('garbage', 100)).toBeNull()
    expect(parseThreadStatCpu('1 (x) S 1 1', 100)).toBeNull()
  })
})

describe('threadCpuClock over a /proc tree', () => {
  let root: string
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'thread-cpu-'))
    mkdirSync(path.join(root, 'thread-self'))
  })
  afterEach(() => rmSync(root, { recursive: true, force: true }))

  test('schedstat first, read again on every call', () => {
    writeFileSync(path.join(root, 'thread-self', 'schedstat'), '2000000000 5 7\n')
    writeFileSync(path.join(root, 'thread-self', 'stat'), STAT)
    const clock = threadCpuClock(root)
    expect(clock?.source).toBe('schedstat')
    expect(clock?.read()).toBe(2)
    writeFileSync(path.join(root, 'thread-self', 'schedstat'), '2500000000 5 9\n')
    expect(clock?.read()).toBe(2.5)
  })

  test('stat when schedstat is missing or unreadable, in ticks of the given USER_HZ', () => {
    writeFileSync(path.join(root, 'thread-self', 'schedstat'), 'not numbers')
    writeFileSync(path.join(root, 'thread-self', 'stat'), STAT)
    const clock = threadCpuClock(root, 100)
    expect(clock?.source).toBe('stat')
    expect(clock?.read()).toBeCloseTo(2.87, 9)
  })

  test('null without either file; a file that turns bad later makes read() throw, naming it', () => {
    expect(threadCpuClock(path.join(root, 'nowhere'))).toBeNull()
    writeFileSync(path.join(root, 'thread-self', 'schedstat'), '1 2 3\n')
    const clock = threadCpuClock(root)
    writeFileSync(path.join(root, 'thread-self', 'schedstat'), 'oops')
    expect(() => clock?.read()).toThrow(/schedstat: expected .* got 'oops'/)
  })

  const linux = process.platform === 'linux' ? test : test.skip
  linux('the real clock of this thread advances with work', () => {
    const clock = threadCpuClock()
    expect(clock).not.toBeNull()
    const before = clock!.read()
    // Busy until the clock moves (bounded): the stat fallback only ticks every 10 ms.
    let now = before
    let x = 0
    for (const end = Date.now() + 2000; now === before && Date.now() < end; now = clock!.read()) {
      for (let i = 0; i < 1e5; i++) x += Math.sqrt(i)
    }
    expect(x).toBeGreaterThan(0)
    expect(now).toBeGreaterThan(before)
  })
})
