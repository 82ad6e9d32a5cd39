/** Pure parts of the /proc sampler: parsing, tree membership, tree CPU accounting across exits, summaries. */
import { expect } from '@jest/globals'
import * as fs from 'node:fs'
import {
  parseProcStat,
  procKey,
  selectTree,
  summarizeSnapshots,
  treeCpuTicks,
  UsageAccumulator,
  type ProcEntry,
  type TreeSnapshot
} from '../../../src/service/procstat.js'

/** A /proc/<pid>/stat line with the fields the parser reads set (fields 3–24), others 0. */
function statLine(p: {
  pid: number
  comm: string
  state?: string
  ppid: number
  pgrp: number
  utime: number
  stime: number
  cutime: number
  cstime: number
  start: number
  rssPages: number
}): string {
  const f = new Array<string | number>(52).fill(0)
  // f[k] is field k (1-based as in proc(5)).
  f[3] = p.state ?? 'S'
  f[4] = p.ppid
  f[5] = p.pgrp
  f[14] = p.utime
  f[15] = p.stime
  f[16] = p.cutime
  f[17] = p.cstime
  f[22] = p.start
  f[24] = p.rssPages
  return `${p.pid} (${p.comm}) ${f.slice(3).join(' ')}\n`
}

function proc(pid: number, o: Partial<ProcEntry> = {}): ProcEntry {
  return { pid, ppid: 1, pgrp: 100, startTicks: 500, ownTicks: 0, childTicks: 0, state: 'S', rssBytes: 0, ...o }
}

function snap(uptimeTicks: number, atMs: number, procs: ProcEntry[]): TreeSnapshot {
  return { uptimeTicks, atMs, procs: new Map(procs.map((p) => [procKey(p), p])) }
}

describe('parseProcStat', () => {
  test('reads fields after the last ")" so a comm with spaces and parentheses cannot shift them', () => {
    const text = statLine({
      pid: 4242,
      comm: 'node (worker) 1)',
      ppid: 7,
      pgrp: 4200,
      utime: 150,
      stime: 30,
      cutime: 5,
      cstime: 2,
      start: 98765,
      rssPages: 2560
    })
    expect(parseProcStat(text, 4096)).toEqual({
      pid: 4242,
      ppid: 7,
      pgrp: 4200,
      startTicks: 98765,
      ownTicks: 180,
      childTicks: 7,
      state: 'S',
      rssBytes: 2560 * 4096
    })
  })

  test.each([[''], ['garbage'], ['12 (x) S 1 notanumber']])('%j is not a stat line', (text) => {
    expect(parseProcStat(text, 4096)).toBeNull()
  })

  test('parses this process from the real /proc', () => {
    const p = parseProcStat(fs.readFileSync('/proc/self/stat', 'utf8'), 4096)
    expect(p).not.toBeNull()
    expect(p?.pid).toBe(process.pid)
    expect(p?.ppid).toBe(process.ppid)
    expect(p?.rssBytes).toBeGreaterThan(10 * 2 ** 20)
  })
})

describe('selectTree', () => {
  const all = [
    proc(50, { pgrp: 50, ppid: 1 }), // the gate (parent of the leader): not a member
    proc(100, { pgrp: 100, ppid: 50 }), // leader (sh)
    proc(101, { pgrp: 100, ppid: 100 }), // npm
    proc(102, { pgrp: 102, ppid: 101 }), // moved to its own group (setsid): still a descendant
    proc(103, { pgrp: 102, ppid: 102 }), // its child
    proc(104, { pgrp: 100, ppid: 1 }), // orphan reparented to init: still in the group
    proc(200, { pgrp: 200, ppid: 1 }), // unrelated
    proc(201, { pgrp: 200, ppid: 200 })
  ]

  test('the process group of the root plus its descendants, nothing else', () => {
    expect(
      selectTree(all, 100)
        .map((p) => p.pid)
        .sort((a, b) => a - b)
    ).toEqual([100, 101, 102, 103, 104])
  })

  test('an unknown root selects nothing', () => {
    expect(selectTree(all, 999)).toEqual([])
  })
})

describe('treeCpuTicks', () => {
  test('members present in both snapshots: change of own and reaped-children time', () => {
    const a = snap(1000, 0, [proc(100, { ownTicks: 100 }), proc(101, { ppid: 100, ownTicks: 40, childTicks: 3 })])
    const b = snap(1020, 200, [proc(100, { ownTicks: 101 }), proc(101, { ppid: 100, ownTicks: 70, childTicks: 5 })])
    expect(treeCpuTicks(a, b)).toBe(1 + 30 + 2)
  })

  test('a child reaped by a member: counts only what it used since the last snapshot', () => {
    // C had used 40; it used 30 more, exited, and P's cutime grew by its final 70.
    const a = snap(1000, 0, [proc(100, { ownTicks: 10 }), proc(101, { ppid: 100, ownTicks: 40 })])
    const b = snap(1020, 200, [proc(100, { ownTicks: 12, childTicks: 70 })])
    expect(treeCpuTicks(a, b)).toBe(2 + 30)
  })

  test('a grandchild and child that both exited: their totals flow up the chain of reapers', () => {
    // G (20 used) used 5 more and was reaped by C; C (10 used) used 5 more and was reaped by P.
    // P's cutime grows by C's final own 15 + C's cutime 25 = 40; the interval's real use is 10.
    const a = snap(1000, 0, [proc(100), proc(101, { ppid: 100, ownTicks: 10 }), proc(102, { ppid: 101, ownTicks: 20 })])
    const b = snap(1020, 200, [proc(100, { childTicks: 40 })])
    expect(treeCpuTicks(a, b)).toBe(10)
  })

  test('a parent that ignores SIGCHLD (auto-reaped child, no cutime): never negative, never recounted', () => {
    const a = snap(1000, 0, [proc(100, { ownTicks: 10 }), proc(101, { ppid: 100, ownTicks: 40 })])
    const b = snap(1020, 200, [proc(100, { ownTicks: 12 })])
    expect(treeCpuTicks(a, b)).toBe(2)
  })

  test('children born and reaped between two snapshots are caught through the parent', () => {
    const a = snap(1000, 0, [proc(100, { childTicks: 5 })])
    const b = snap(1020, 200, [proc(100, { childTicks: 30 })])
    expect(treeCpuTicks(a, b)).toBe(25)
  })

  test('a member started after the previous snapshot counts whole; one that existed before counts from now on', () => {
    const a = snap(1000, 0, [proc(100)])
    const born = proc(101, { ppid: 100, startTicks: 1005, ownTicks: 20, childTicks: 1 })
    const joined = proc(102, { ppid: 100, startTicks: 900, ownTicks: 5000 })
    expect(treeCpuTicks(a, snap(1020, 200, [proc(100), born, joined]))).toBe(21)
  })

  test('a reused pid is a new process, not a negative change', () => {
    const a = snap(1000, 0, [proc(100), proc(7, { ppid: 1, startTicks: 900, ownTicks: 500 })])
    const b = snap(1020, 200, [proc(100), proc(7, { ppid: 100, startTicks: 1010, ownTicks: 5 })])
    expect(treeCpuTicks(a, b)).toBe(5)
  })

  test('a leader whose own parent is not a member loses only its last interval', () => {
    const a = snap(1000, 0, [proc(100, { ppid: 50, ownTicks: 80 })])
    expect(treeCpuTicks(a, snap(1020, 200, []))).toBe(0)
  })
})

describe('UsageAccumulator / summarizeSnapshots', () => {
  const rss = (mb: number): number => mb * 2 ** 20
  const snaps = [
    snap(1000, 0, [
      proc(100, { ownTicks: 0, rssBytes: rss(2) }),
      proc(101, { ppid: 100, ownTicks: 0, rssBytes: rss(40) })
    ]),
    snap(1020, 200, [
      proc(100, { ownTicks: 0, rssBytes: rss(2) }),
      proc(101, { ppid: 100, ownTicks: 10, rssBytes: rss(50) })
    ]),
    snap(1040, 400, [
      proc(100, { ownTicks: 0, rssBytes: rss(2) }),
      proc(101, { ppid: 100, ownTicks: 30, rssBytes: rss(60) })
    ])
  ]

  test('CPU seconds, average and peak CPU % (100 = one core), RSS summed over the tree', () => {
    expect(summarizeSnapshots(snaps, 100, 200)).toEqual({
      cpuSeconds: 0.3,
      cpuPctAvg: expect.closeTo(75, 9),
      cpuPctPeak: 100,
      rssAvgBytes: rss(52),
      rssPeakBytes: rss(62),
      samples: 3
    })
  })

  test('a short final interval (stop right after a tick) counts towards the total but not the peak', () => {
    const last = snap(1041, 410, [
      proc(100, { ownTicks: 0, rssBytes: rss(2) }),
      proc(101, { ppid: 100, ownTicks: 35, rssBytes: rss(60) })
    ])
    const u = summarizeSnapshots([...snaps, last], 100, 200)
    expect(u.cpuSeconds).toBeCloseTo(0.35, 12)
    expect(u.cpuPctPeak).toBe(100) // the 10 ms interval alone would say 500%
    expect(u.cpuPctAvg).toBeCloseTo((0.35 / 0.41) * 100, 9)
  })

  test('the peak is never below the average, and an empty series is all zeros', () => {
    const u = summarizeSnapshots([snaps[0], { ...snaps[1], atMs: 50 }], 100, 200)
    expect(u.cpuPctPeak).toBe(u.cpuPctAvg)
    expect(u.cpuPctAvg).toBeCloseTo(200, 9)
    expect(new UsageAccumulator(100, 200).result()).toEqual({
      cpuSeconds: 0,
      cpuPctAvg: 0,
      cpuPctPeak: 0,
      rssAvgBytes: 0,
      rssPeakBytes: 0,
      samples: 0
    })
  })
})
