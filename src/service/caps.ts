/**
 * Resource caps of the user's service (`memory-limit`, `max-processes`): a service that leaks memory or
 * forks without bound must fail its round with a named error, not take the runner (and the report) down.
 *
 * One cap per service instance (a round of one arm), the same for every arm, so the caps cannot bias a
 * comparison. Enforced by the kernel where the gate can make a cgroup, in this order:
 * - cgroup v2, writable cgroupfs (root, or a delegated subtree): memory.max, memory.swap.max 0, pids.max;
 * - cgroup v2 through `sudo -n` (GitHub-hosted runners: cgroup v2 and passwordless sudo);
 * - cgroup v1 memory + pids hierarchies, writable (root on a v1 or hybrid host, e.g. this project's VMs);
 * - otherwise a stated fallback: RLIMIT_NPROC through prlimit (counts every process of the user, not
 *   only the service's, and does not bind root) and a memory watchdog that sums the service's RSS every
 *   250 ms and kills it above the limit (a fast allocation can overshoot between two looks). RLIMIT_AS is
 *   not used: JVMs and Go reserve far more address space than they touch and would fail at start.
 * The shell that runs the command moves itself into the cgroup before anything else (the prefix of
 * `wrap`), so every process the command starts is inside from its first instruction.
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'

/** What the user asked for; 0 turns a cap off. */
export interface ResourceCaps {
  memoryBytes: number
  maxProcesses: number
}

export type CapsMechanism = 'cgroup-v2' | 'cgroup-v2-sudo' | 'cgroup-v1' | 'rlimit' | 'off'

/** Which mechanism applies and the caps, for the report and the results file. */
export interface CapsInfo {
  mechanism: CapsMechanism
  memoryBytes: number
  maxProcesses: number
  /** One sentence for the report: which mechanism applied and what it does not cover. */
  note: string
}

/** Which cap a service hit. */
export type CapHit = 'memory' | 'processes'

/** One service instance's confinement. */
export interface Confinement {
  /** The command with the prefix that puts its shell into the cgroup / under the rlimit. */
  wrap(command: string): string
  /** Called once the service's leader is known (the watchdog of the fallback needs it). */
  started(pgid: number): void
  /** The cap the service hit so far, if any (read from the cgroup's event counters). */
  hit(): CapHit | null
  /** Kill whatever is left in the cgroup and remove it; idempotent, never throws. */
  dispose(): void
}

/** The caps of a run: made once, then one confinement per service instance. */
export interface CapsBackend {
  info: CapsInfo
  confine(name: string): Confinement
}

const GIB = 1024 ** 3
const MIB = 1024 ** 2

/** `2 GiB`, `512 MiB`: the caps as the report and errors say them. */
export function formatBytes(n: number): string {
  if (n >= GIB && n % (GIB / 4) === 0) return `${n / GIB} GiB`
  if (n >= MIB) return `${Math.round((n / MIB) * 10) / 10} MiB`
  return `${n} bytes`
}

/** Single-quoted for /bin/sh. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

/** Mount points of the cgroup hierarchies in /proc/self/mountinfo text. Pure. */
export function parseCgroupMounts(mountinfo: string): { v2: string | null; v1: Record<string, string> } {
  let v2: string | null = null
  const v1: Record<string, string> = {}
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ')
    if (left === undefined || right === undefined) continue
    const f = left.split(' ')
    const [fstype, , opts] = right.split(' ')
    const mountPoint = f[4]
    if (mountPoint === undefined || f[3] !== '/') continue
    if (fstype === 'cgroup2' && v2 === null) v2 = mountPoint
    if (fstype === 'cgroup')
      for (const o of (opts ?? '').split(',')) if (o === 'memory' || o === 'pids') v1[o] = mountPoint
  }
  return { v2, v1 }
}

/** This process's cgroup per hierarchy from /proc/self/cgroup text: `v2` path and v1 controller paths. Pure. */
export function parseOwnCgroups(text: string): { v2: string | null; v1: Record<string, string> } {
  let v2: string | null = null
  const v1: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim())
    if (m === null) continue
    if (m[1] === '0' && m[2] === '') v2 = m[3]!
    else for (const c of m[2]!.split(',')) v1[c] = m[3]!
  }
  return { v2, v1 }
}

/** The `key value` lines of a cgroup file (memory.events, pids.events, memory.oom_control). Pure. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/)
    if (k !== undefined && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v)
  }
  return out
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function writable(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK)
    return true
  } catch {
    return false
  }
}

function controllersOf(dir: string, file: 'cgroup.controllers' | 'cgroup.subtree_control'): string[] {
  return readText(path.join(dir, file)).trim().split(/\s+/)
}

let serial = 0
const instanceName = (name: string): string =>
  `otlp-perf-gate-${process.pid}-${++serial}-${name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}`

/** Kill every process listed in `procsFile` until it is empty (bounded): what a fork bomb leaves. */
function killListed(procsFile: string, sudo: boolean): void {
  const deadline = Date.now() + 3000
  for (;;) {
    const pids = readText(procsFile)
      .split('\n')
      .filter((l) => /^\d+$/.test(l.trim()))
    if (pids.length === 0 || Date.now() > deadline) return
    for (const p of pids) {
      try {
        process.kill(Number(p), 'SIGKILL')
      } catch {
        if (sudo) runSudo(['kill', '-9', p])
      }
    }
    // Synchronous on purpose: dispose runs in stop paths that must not yield to a still-forking bomb.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20)
  }
}

function runSudo(args: string[]): boolean {
  try {
    execFileSync('sudo', ['-n', ...args], { stdio: 'ignore', timeout: 5000 })
    return true
  } catch {
    return false
  }
}

/** Write `value` to a cgroup file, directly or through `sudo -n tee`. */
function writeCg(file: string, value: string, sudo: boolean): boolean {
  if (!sudo) {
    try {
      fs.writeFileSync(file, value)
      return true
    } catch {
      return false
    }
  }
  try {
    execFileSync('sudo', ['-n', 'tee', file], { input: value, stdio: ['pipe', 'ignore', 'ignore'], timeout: 5000 })
    return true
  } catch {
    return false
  }
}

/** cgroup v2: one child of `parent` per instance. */
function cgroupV2(parent: string, caps: ResourceCaps, sudo: boolean): CapsBackend {
  const info: CapsInfo = {
    mechanism: sudo ? 'cgroup-v2-sudo' : 'cgroup-v2',
    ...caps,
    note:
      `cgroup v2${sudo ? ' (set up through sudo)' : ''}: memory.max ${capText(caps).memory}, no swap, pids.max ` +
      `${capText(caps).processes}, for the service and everything it starts; the kernel stops it at the cap`
  }
  return {
    info,
    confine(name) {
      const dir = path.join(parent, instanceName(name))
      const ok = sudo ? runSudo(['mkdir', dir]) : mkdir(dir)
      if (!ok) throw new Error(`cannot create the cgroup ${dir} for the service's caps`)
      if (caps.memoryBytes > 0) {
        writeCg(path.join(dir, 'memory.max'), String(caps.memoryBytes), sudo)
        // Swap would let the service go past the cap slowly instead of failing at it.
        writeCg(path.join(dir, 'memory.swap.max'), '0', sudo)
      }
      if (caps.maxProcesses > 0) writeCg(path.join(dir, 'pids.max'), String(caps.maxProcesses), sudo)
      const procs = path.join(dir, 'cgroup.procs')
      let disposed = false
      return remembering({
        wrap: (command) =>
          `${sudo ? `echo $$ | sudo -n tee ${q(procs)} >/dev/null` : `echo $$ > ${q(procs)}`} || exit 125; ${command}`,
        started: () => {},
        hit: () => {
          if (caps.memoryBytes > 0 && (parseFlatKeyed(readText(path.join(dir, 'memory.events'))).oom_kill ?? 0) > 0)
            return 'memory'
          if (caps.maxProcesses > 0 && (parseFlatKeyed(readText(path.join(dir, 'pids.events'))).max ?? 0) > 0)
            return 'processes'
          return null
        },
        dispose: () => {
          if (disposed) return
          disposed = true
          // cgroup.kill (Linux 5.14+) kills the whole cgroup at once, a fork bomb included.
          writeCg(path.join(dir, 'cgroup.kill'), '1', sudo)
          killListed(procs, sudo)
          if (sudo) runSudo(['rmdir', dir])
          else rmdir(dir)
        }
      })
    }
  }
}

/** cgroup v1: a child in the memory and in the pids hierarchy per instance. */
function cgroupV1(memParent: string, pidsParent: string, caps: ResourceCaps): CapsBackend {
  const info: CapsInfo = {
    mechanism: 'cgroup-v1',
    ...caps,
    note:
      `cgroup v1: memory.limit_in_bytes ${capText(caps).memory} (and memsw where swap is accounted), pids.max ` +
      `${capText(caps).processes}, for the service and everything it starts; the kernel stops it at the cap`
  }
  return {
    info,
    confine(name) {
      const leaf = instanceName(name)
      const mem = path.join(memParent, leaf)
      const pids = path.join(pidsParent, leaf)
      if (!mkdir(mem) || !mkdir(pids)) {
        rmdir(mem)
        throw new Error(`cannot create the cgroups ${mem} and ${pids} for the service's caps`)
      }
      if (caps.memoryBytes > 0) {
        writeCg(path.join(mem, 'memory.limit_in_bytes'), String(caps.memoryBytes), false)
        writeCg(path.join(mem, 'memory.memsw.limit_in_bytes'), String(caps.memoryBytes), false)
      }
      if (caps.maxProcesses > 0) writeCg(path.join(pids, 'pids.max'), String(caps.maxProcesses), false)
      let disposed = false
      return remembering({
        wrap: (command) =>
          `echo $$ > ${q(path.join(mem, 'cgroup.procs'))} && echo $$ > ${q(path.join(pids, 'cgroup.procs'))} || exit ` +
          `125; ${command}`,
        started: () => {},
        hit: () => {
          if (
            caps.memoryBytes > 0 &&
            (parseFlatKeyed(readText(path.join(mem, 'memory.oom_control'))).oom_kill ?? 0) > 0
          )
            return 'memory'
          if (caps.maxProcesses > 0 && (parseFlatKeyed(readText(path.join(pids, 'pids.events'))).max ?? 0) > 0)
            return 'processes'
          return null
        },
        dispose: () => {
          if (disposed) return
          disposed = true
          killListed(path.join(pids, 'cgroup.procs'), false)
          killListed(path.join(mem, 'cgroup.procs'), false)
          rmdir(mem)
          rmdir(pids)
        }
      })
    }
  }
}

/**
 * A confinement that remembers the cap it saw: dispose removes the cgroup and its counters, and the
 * error that names the cap is often built after the stop.
 */
function remembering(c: Confinement): Confinement {
  let seen: CapHit | null = null
  let disposed = false
  const look = (): CapHit | null => (seen = seen ?? c.hit())
  return {
    wrap: (command) => c.wrap(command),
    started: (pgid) => c.started(pgid),
    hit: () => (disposed ? seen : look()),
    dispose: () => {
      if (disposed) return
      look()
      disposed = true
      c.dispose()
    }
  }
}

/** The fallback: RLIMIT_NPROC through prlimit, and an RSS watchdog for memory. */
function rlimitFallback(caps: ResourceCaps, why: string, hasPrlimit: boolean): CapsBackend {
  const prlimit = caps.maxProcesses > 0 && hasPrlimit
  const info: CapsInfo = {
    mechanism: 'rlimit',
    ...caps,
    note:
      `no cgroup available (${why}): fallback — ` +
      (caps.maxProcesses > 0
        ? prlimit
          ? `RLIMIT_NPROC ${caps.maxProcesses} (counts every process of this user, not only the service's; root is ` +
            `not bound by it)`
          : 'no process cap (prlimit not found)'
        : 'no process cap') +
      (caps.memoryBytes > 0
        ? `; memory by a watchdog that sums the service's RSS every ${WATCHDOG_MS} ms and kills it above ` +
          `${formatBytes(caps.memoryBytes)} (a fast allocation can overshoot between two looks)`
        : '')
  }
  return {
    info,
    confine() {
      let timer: NodeJS.Timeout | undefined
      let hit: CapHit | null = null
      return {
        wrap: (command) =>
          prlimit
            ? `prlimit --pid $$ --nproc=${caps.maxProcesses}:${caps.maxProcesses} >/dev/null 2>&1; ${command}`
            : command,
        started: (pgid) => {
          if (caps.memoryBytes <= 0) return
          timer = setInterval(() => {
            if (groupRssBytes(pgid) > caps.memoryBytes) {
              hit = 'memory'
              try {
                process.kill(-pgid, 'SIGKILL')
              } catch {
                // Already gone.
              }
              clearInterval(timer)
            }
          }, WATCHDOG_MS)
          timer.unref()
        },
        hit: () => hit,
        dispose: () => clearInterval(timer)
      }
    }
  }
}

const WATCHDOG_MS = 250
const PAGE_SIZE = 4096

/** Sum of the resident memory of every process in process group `pgid` (from /proc/<pid>/stat). */
function groupRssBytes(pgid: number): number {
  let total = 0
  let names: string[]
  try {
    names = fs.readdirSync('/proc')
  } catch {
    return 0
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue
    const stat = readText(`/proc/${n}/stat`)
    const close = stat.lastIndexOf(')')
    if (close < 0) continue
    const f = stat.slice(close + 2).split(' ')
    // After the command: state(0) ppid(1) pgrp(2) … rss(21), in pages.
    if (Number(f[2]) === pgid) total += Number(f[21] ?? 0) * PAGE_SIZE
  }
  return total
}

function hasPrlimit(): boolean {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore', timeout: 5000 })
    return true
  } catch {
    return false
  }
}

function mkdir(dir: string): boolean {
  try {
    fs.mkdirSync(dir)
    return true
  } catch {
    return false
  }
}

function rmdir(dir: string): void {
  try {
    fs.rmdirSync(dir)
  } catch {
    // Still busy or gone already; a leftover empty cgroup costs nothing.
  }
}

function capText(caps: ResourceCaps): { memory: string; processes: string } {
  return {
    memory: caps.memoryBytes > 0 ? formatBytes(caps.memoryBytes) : 'unlimited',
    processes: caps.maxProcesses > 0 ? String(caps.maxProcesses) : 'unlimited'
  }
}

/** Where the gate looks; injectable for tests. */
export interface CapsProbe {
  mountinfo: string
  ownCgroup: string
  canSudo: () => boolean
  hasPrlimit: () => boolean
}

function liveProbe(): CapsProbe {
  return {
    mountinfo: readText('/proc/self/mountinfo'),
    ownCgroup: readText('/proc/self/cgroup'),
    canSudo: () => process.getuid?.() !== 0 && runSudo(['true']),
    hasPrlimit
  }
}

/** A v2 directory whose children get memory and pids (enabling them in its subtree_control if needed). */
function v2Parent(dir: string, sudo: boolean): boolean {
  const want = ['memory', 'pids']
  const have = controllersOf(dir, 'cgroup.subtree_control')
  if (want.every((c) => have.includes(c))) return true
  if (!want.every((c) => controllersOf(dir, 'cgroup.controllers').includes(c))) return false
  writeCg(path.join(dir, 'cgroup.subtree_control'), '+memory +pids', sudo)
  const after = controllersOf(dir, 'cgroup.subtree_control')
  return want.every((c) => after.includes(c))
}

/**
 * Find the best mechanism this machine offers for `caps` (see the file comment for the order). A
 * probe mkdir proves a parent is really usable (a writable-looking cgroupfs can still refuse).
 */
export function openCaps(caps: ResourceCaps, probe: CapsProbe = liveProbe()): CapsBackend {
  if (caps.memoryBytes <= 0 && caps.maxProcesses <= 0)
    return {
      info: { mechanism: 'off', ...caps, note: "no caps ('memory-limit' and 'max-processes' are 0)" },
      confine: () => ({ wrap: (c) => c, started: () => {}, hit: () => null, dispose: () => {} })
    }
  const mounts = parseCgroupMounts(probe.mountinfo)
  const own = parseOwnCgroups(probe.ownCgroup)
  const reasons: string[] = []
  if (mounts.v2 !== null) {
    const root = mounts.v2
    const candidates = [...(own.v2 !== null && own.v2 !== '/' ? [path.join(root, own.v2)] : []), root]
    for (const dir of candidates) {
      if (writable(dir) && v2Parent(dir, false) && probeMkdir(dir)) return cgroupV2(dir, caps, false)
    }
    if (probe.canSudo() && v2Parent(root, true)) return cgroupV2(root, caps, true)
    reasons.push('cgroup v2 without a writable parent offering memory and pids, and no passwordless sudo')
  } else reasons.push('no cgroup v2 mount')
  const memMount = mounts.v1.memory
  const pidsMount = mounts.v1.pids
  if (memMount !== undefined && pidsMount !== undefined) {
    const memParent = path.join(memMount, own.v1.memory ?? '/')
    const pidsParent = path.join(pidsMount, own.v1.pids ?? '/')
    if (probeMkdir(memParent) && probeMkdir(pidsParent)) return cgroupV1(memParent, pidsParent, caps)
    reasons.push('cgroup v1 memory and pids hierarchies not writable')
  }
  return rlimitFallback(caps, reasons.join('; '), probe.hasPrlimit())
}

function probeMkdir(parent: string): boolean {
  const dir = path.join(parent, `otlp-perf-gate-probe-${process.pid}`)
  if (!mkdir(dir)) return false
  rmdir(dir)
  return true
}

// The run's caps, set once per run by `configureServiceCaps` (gate/cancellable.ts) and read by
// startService: round.ts and rig.ts need not know about them.
let current: CapsBackend | null = null

/** Set the caps for every service started from now on; returns what applies (for the report). */
export function configureServiceCaps(caps: ResourceCaps, probe?: CapsProbe): CapsInfo {
  current = openCaps(caps, probe)
  return current.info
}

/** The run's caps backend, or null when none was configured (tests starting services directly). */
export function serviceCaps(): CapsBackend | null {
  return current
}

/** Forget the run's caps (tests). */
export function clearServiceCaps(): void {
  current = null
}
