/**
 * CPU time and RSS of the service's whole process tree, sampled from Linux /proc during the
 * measured phase of a round.
 *
 * Why /proc by hand and not pidusage + pidtree (evaluated for issue 4):
 * - pidtree lists processes on Linux by spawning `ps -A -o ppid,pid` on every call: at 5 samples/s
 *   that is 5 fork+execs a second on a 2-core runner during the measurement, and `ps` (procps) is
 *   missing from slim containers. One readdir of /proc costs ~0.5 ms for ~80 processes here.
 * - pidusage reports CPU per pid as "% since my previous call", keyed by pid in a module-global
 *   history, and its `childrens` option adds the *cumulative* cutime+cstime of a process to every
 *   interval (not the change), so the time of exited children is either missed or counted again
 *   and again. A tree whose members come and go needs its own bookkeeping anyway (below).
 * - Both libraries resolve platform backends with dynamic requires (extra ncc care); this module
 *   uses only node:fs and node:child_process.
 *
 * Tree accounting (see treeCpuTicks): per member T = utime + stime + cutime + cstime. When a member
 * is reaped by its parent, Linux adds the child's final utime+cutime (stime+cstime) to the parent's
 * cutime (cstime); so Σ T over the members changes by exactly the CPU they used, also across exits,
 * provided we subtract the gone child's last-seen T from the jump of the surviving ancestor it ended
 * up in (grandchild → child → parent when both exited). Short-lived children that start and exit
 * between two samples are caught through their parent's cutime. Resolution: one clock tick (10 ms)
 * per member and sample, so CPU seconds of a round are exact to a few ticks. What is lost:
 * the last interval (≤ intervalMs) of a member whose reaper is not a member (the `sh` leader itself,
 * or an orphan reparented to init) or whose parent ignores SIGCHLD (auto-reaped, never accumulated).
 *
 * Members: the process group of the leader (the service runs in its own group, see service.ts) plus
 * any descendant of the leader that moved to another group (setsid/setpgid by a process manager).
 * RSS is summed over the members, so pages shared between them (libc of `sh` and `node`) count once
 * per process; the `sh -c` wrapper adds 1–3 MB.
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import type { ResourceUsage } from '../types.js'

/** One process as read from /proc/<pid>/stat (times in clock ticks). */
export interface ProcEntry {
  pid: number
  ppid: number
  pgrp: number
  /** Start time in clock ticks after boot: with the pid, the identity of a process (pids are reused). */
  startTicks: number
  /** utime + stime. */
  ownTicks: number
  /** cutime + cstime: CPU of children this process has reaped. */
  childTicks: number
  state: string
  /** Resident set size in bytes (0 for zombies). */
  rssBytes: number
}

/** The process tree at one instant. */
export interface TreeSnapshot {
  /** Boot-relative time of the scan in clock ticks (from /proc/uptime), comparable with startTicks. */
  uptimeTicks: number
  /** Monotonic time of the scan in ms (for CPU %). */
  atMs: number
  /** Members keyed by `${pid}:${startTicks}`. */
  procs: Map<string, ProcEntry>
}

/** Identity of a process across samples (a reused pid gets another key). */
export function procKey(p: Pick<ProcEntry, 'pid' | 'startTicks'>): string {
  return `${p.pid}:${p.startTicks}`
}

/**
 * Parse the text of /proc/<pid>/stat (proc(5)); null when it does not look like one.
 * rssPages is converted with `pageSize`.
 */
export function parseProcStat(text: string, pageSize: number): ProcEntry | null {
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')')
  const open = text.indexOf('(')
  if (close < 0 || open < 0) return null
  const pid = Number(text.slice(0, open).trim())
  // rest[0] is field 3 (state); field k is rest[k − 3].
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ')
  const f = (field: number): number => Number(rest[field - 3])
  const entry: ProcEntry = {
    pid,
    ppid: f(4),
    pgrp: f(5),
    startTicks: f(22),
    ownTicks: f(14) + f(15),
    childTicks: f(16) + f(17),
    state: rest[0] ?? '',
    rssBytes: Math.max(0, f(24)) * pageSize
  }
  for (const v of [
    entry.pid,
    entry.ppid,
    entry.pgrp,
    entry.startTicks,
    entry.ownTicks,
    entry.childTicks,
    entry.rssBytes
  ]) {
    if (!Number.isFinite(v)) return null
  }
  return entry
}

/**
 * The members of the tree rooted at `rootPid`: its process group plus descendants that left the
 * group. `all` is every process of the system from one scan.
 */
export function selectTree(all: readonly ProcEntry[], rootPid: number): ProcEntry[] {
  const byPid = new Map(all.map((p) => [p.pid, p]))
  const memo = new Map<number, boolean>()
  const isMember = (pid: number): boolean => {
    const chain: number[] = []
    let cur: number | undefined = pid
    let result = false
    // Bounded walk up the parent chain (a pid table is finite; cycles cannot occur, but guard anyway).
    for (let steps = 0; cur !== undefined && steps < 4096; steps++) {
      const known = memo.get(cur)
      if (known !== undefined) {
        result = known
        break
      }
      const p = byPid.get(cur)
      if (p === undefined || cur <= 1) break
      chain.push(cur)
      if (p.pid === rootPid || p.pgrp === rootPid) {
        result = true
        break
      }
      cur = p.ppid
    }
    for (const c of chain) memo.set(c, result)
    return result
  }
  return all.filter((p) => isMember(p.pid))
}

/**
 * CPU clock ticks the tree used between two snapshots (see the module comment): the change of
 * utime+stime+cutime+cstime of members present in both, minus the last-seen total of members that
 * a surviving member reaped in between (it moved into that member's cutime), plus the whole total of
 * members started after the previous snapshot. Never negative per member.
 */
export function treeCpuTicks(prev: TreeSnapshot, next: TreeSnapshot): number {
  const prevByPid = new Map<number, ProcEntry>()
  for (const p of prev.procs.values()) prevByPid.set(p.pid, p)
  // Last-seen totals of members gone since `prev`, per surviving ancestor whose cutime they ended up
  // in: a child reaped by a parent that itself exited and was reaped flows up the chain of reapers.
  const reapedBy = new Map<string, number>()
  for (const [key, p] of prev.procs) {
    if (next.procs.has(key)) continue
    let ancestor = prevByPid.get(p.ppid)
    for (let depth = 0; ancestor !== undefined && !next.procs.has(procKey(ancestor)) && depth < 64; depth++) {
      ancestor = prevByPid.get(ancestor.ppid)
    }
    if (ancestor === undefined || !next.procs.has(procKey(ancestor))) continue
    const ancestorKey = procKey(ancestor)
    reapedBy.set(ancestorKey, (reapedBy.get(ancestorKey) ?? 0) + p.ownTicks + p.childTicks)
  }
  let ticks = 0
  for (const [key, n] of next.procs) {
    const p = prev.procs.get(key)
    if (p !== undefined) {
      ticks += Math.max(0, n.ownTicks - p.ownTicks)
      // Clamped: a parent that ignores SIGCHLD never accumulates its children, so its cutime does
      // not jump and subtracting would remove CPU counted in earlier intervals.
      ticks += Math.max(0, n.childTicks - p.childTicks - (reapedBy.get(key) ?? 0))
    } else if (n.startTicks >= Math.floor(prev.uptimeTicks)) {
      // Started after the previous scan: everything it (and its reaped children) used is new.
      ticks += n.ownTicks + n.childTicks
    }
    // Else: a process that existed before but was not a member then (it joined the tree, e.g. by
    // setpgid): only its use from now on is ours, which the next interval counts.
  }
  return ticks
}

/**
 * Running totals over successive snapshots (constant memory, however long the round): CPU ticks,
 * peak CPU % over the sampling intervals, RSS sum and peak over the samples.
 */
export class UsageAccumulator {
  private prev: TreeSnapshot | null = null
  private first: TreeSnapshot | null = null
  private ticks = 0
  private peakPct = 0
  private rssSum = 0
  private rssPeak = 0
  private samples = 0

  constructor(
    private readonly clockTick: number,
    private readonly nominalIntervalMs: number
  ) {}

  add(snap: TreeSnapshot): void {
    if (this.prev !== null) {
      const t = treeCpuTicks(this.prev, snap)
      this.ticks += t
      const dtMs = snap.atMs - this.prev.atMs
      // A short interval (stop() right after a tick) would turn one 10 ms tick into a spurious peak.
      if (dtMs >= this.nominalIntervalMs / 2)
        this.peakPct = Math.max(this.peakPct, (t / this.clockTick / (dtMs / 1000)) * 100)
    } else {
      this.first = snap
    }
    let rss = 0
    for (const p of snap.procs.values()) rss += p.rssBytes
    this.rssSum += rss
    this.rssPeak = Math.max(this.rssPeak, rss)
    this.samples++
    this.prev = snap
  }

  /** What a round reports; zeros before the first snapshot. */
  result(): ResourceUsage {
    const wallSec = this.first !== null && this.prev !== null ? (this.prev.atMs - this.first.atMs) / 1000 : 0
    const cpuSeconds = this.ticks / this.clockTick
    const cpuPctAvg = wallSec > 0 ? (cpuSeconds / wallSec) * 100 : 0
    return {
      cpuSeconds,
      cpuPctAvg,
      // The peak of an interval is never below the average (also when every interval was short).
      cpuPctPeak: Math.max(this.peakPct, cpuPctAvg),
      rssAvgBytes: this.samples > 0 ? this.rssSum / this.samples : 0,
      rssPeakBytes: this.rssPeak,
      samples: this.samples
    }
  }
}

/** Summary of a series of snapshots: what a round reports. */
export function summarizeSnapshots(
  snaps: readonly TreeSnapshot[],
  clockTick: number,
  nominalIntervalMs: number
): ResourceUsage {
  const acc = new UsageAccumulator(clockTick, nominalIntervalMs)
  for (const s of snaps) acc.add(s)
  return acc.result()
}

let sysconfCache: { clockTick: number; pageSize: number } | null = null

/**
 * USER_HZ and the page size (Node has no sysconf): `getconf` once, else Linux's fixed USER_HZ of 100
 * and 4 KiB pages. A wrong guess would scale every arm alike, so ratios between arms stay right.
 */
function sysconf(log: (m: string) => void): { clockTick: number; pageSize: number } {
  if (sysconfCache !== null) return sysconfCache
  const ask = (name: string, fallback: number): number => {
    try {
      const v = Number(
        execFileSync('getconf', [name], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim()
      )
      if (Number.isInteger(v) && v > 0) return v
      log(`getconf ${name} printed no positive integer; assuming ${fallback}`)
    } catch (e) {
      log(`getconf ${name} failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); assuming ${fallback}`)
    }
    return fallback
  }
  sysconfCache = { clockTick: ask('CLK_TCK', 100), pageSize: ask('PAGESIZE', 4096) }
  return sysconfCache
}

/** Whether this system has a /proc the sampler can read (Linux). */
export function resourceSamplingSupported(procRoot = '/proc'): boolean {
  try {
    return fs.statSync(`${procRoot}/self/stat`).isFile() && fs.statSync(`${procRoot}/uptime`).isFile()
  } catch {
    return false
  }
}

/** One scan of /proc: every process, then the tree of `rootPid`. Synchronous, so stop() can return at once. */
export function scanTree(
  rootPid: number,
  opts: { procRoot?: string; clockTick: number; pageSize: number }
): TreeSnapshot {
  const root = opts.procRoot ?? '/proc'
  const uptimeText = fs.readFileSync(`${root}/uptime`, 'utf8')
  const uptimeSec = Number(uptimeText.split(' ')[0])
  if (!Number.isFinite(uptimeSec)) throw new Error(`cannot parse ${root}/uptime: '${uptimeText.trim()}'`)
  const atMs = Number(process.hrtime.bigint()) / 1e6
  const all: ProcEntry[] = []
  for (const name of fs.readdirSync(root)) {
    if (!/^\d+$/.test(name)) continue
    let text: string
    try {
      text = fs.readFileSync(`${root}/${name}/stat`, 'utf8')
    } catch {
      // Exited between readdir and read, or hidden (hidepid): neither can be one of our children.
      continue
    }
    const p = parseProcStat(text, opts.pageSize)
    if (p !== null) all.push(p)
  }
  const procs = new Map<string, ProcEntry>()
  for (const p of selectTree(all, rootPid)) procs.set(procKey(p), p)
  return { uptimeTicks: uptimeSec * opts.clockTick, atMs, procs }
}

/** A running sampler; stop() takes a final sample and summarises. */
export interface ResourceSampler {
  /** Stop sampling and summarise from start to now; idempotent. Throws if a scan failed. */
  stop(): ResourceUsage
}

/** Options of startResourceSampler. */
export interface ResourceSamplerOptions {
  /** Sampling period (default 200 ms); only CPU % peak and RSS depend on it, CPU seconds do not. */
  intervalMs?: number
  /** For tests: an alternative /proc. */
  procRoot?: string
  log?: (m: string) => void
}

/**
 * Sample CPU and RSS of the process tree rooted at `rootPid` (a process group leader) every
 * `intervalMs` until stop(). The first scan happens synchronously here, so call it exactly when the
 * measured phase starts. Throws when /proc is unavailable (not Linux).
 */
export function startResourceSampler(rootPid: number, opts: ResourceSamplerOptions = {}): ResourceSampler {
  const intervalMs = opts.intervalMs ?? 200
  if (!Number.isInteger(rootPid) || rootPid <= 1)
    throw new Error(`resource sampler: root pid must be an integer > 1, got '${String(rootPid)}'`)
  if (!Number.isFinite(intervalMs) || intervalMs < 10)
    throw new Error(`resource sampler: interval must be ≥ 10 ms, got '${String(intervalMs)}'`)
  const procRoot = opts.procRoot ?? '/proc'
  if (!resourceSamplingSupported(procRoot)) {
    throw new Error(`resource sampler: ${procRoot} is not readable (CPU and RSS sampling needs Linux /proc)`)
  }
  const { clockTick, pageSize } = sysconf(opts.log ?? (() => {}))
  const scan = (): TreeSnapshot => scanTree(rootPid, { procRoot, clockTick, pageSize })
  const acc = new UsageAccumulator(clockTick, intervalMs)
  acc.add(scan())
  let failure: unknown = null
  const timer = setInterval(() => {
    try {
      acc.add(scan())
    } catch (e) {
      // Thrown in a timer it would be an uncaught exception; report it from stop() instead.
      failure ??= e
    }
  }, intervalMs)
  // Sampling must never keep the gate alive on its own.
  timer.unref()
  let result: ResourceUsage | null = null
  return {
    stop(): ResourceUsage {
      if (result !== null) return result
      clearInterval(timer)
      if (failure === null) {
        try {
          acc.add(scan())
        } catch (e) {
          failure = e
        }
      }
      if (failure !== null) {
        throw new Error(
          `resource sampler for process tree ${rootPid} failed: ` +
            `${failure instanceof Error ? failure.message : String(failure)}`
        )
      }
      result = acc.result()
      return result
    }
  }
}
