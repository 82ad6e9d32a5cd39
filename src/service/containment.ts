/**
 * Finding the service's processes that left its process group (`setsid`, double fork, daemons):
 * every round's service gets a random tag in its environment, which children inherit; /proc/<pid>/environ
 * shows it for processes of our own uid (and for all as root). Stragglers are SIGKILLed after the
 * round. Limitation: a process that execs with a scrubbed environment (`env -i`) loses the tag.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'

/** Name of the per-round tag variable. */
export const ROUND_TAG_VAR = 'OTLP_PERF_GATE_ROUND'

/** A fresh tag value for one service start. */
export function newRoundTag(): string {
  return randomBytes(12).toString('hex')
}

/** Whether the NUL-separated environ block contains `name=value` exactly. Pure. */
export function environHasTag(environ: Buffer | string, value: string, name: string = ROUND_TAG_VAR): boolean {
  const text = typeof environ === 'string' ? environ : environ.toString('latin1')
  return text.split('\0').includes(`${name}=${value}`)
}

/** Pids (not ours) whose environment carries the tag, from /proc; [] where /proc is unavailable. */
export function findTagged(value: string, name: string = ROUND_TAG_VAR): number[] {
  let entries: string[]
  try {
    entries = fs.readdirSync('/proc')
  } catch {
    return []
  }
  const needle = Buffer.from(`${name}=${value}\0`, 'latin1')
  const out: number[] = []
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue
    let env: Buffer
    try {
      env = fs.readFileSync(`/proc/${e}/environ`)
    } catch {
      continue // gone, or another user's process (EACCES)
    }
    if (env.includes(needle) && !isZombie(Number(e))) out.push(Number(e))
  }
  return out
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state === 'Z' || state === 'X'
  } catch {
    return true
  }
}

/** A synchronous pause (the exit hook cannot await). */
function pauseSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * SIGKILL every tagged process until a /proc scan finds none (a killed process needs a moment to
 * become a zombie; a forking straggler may add a child between two scans), pausing 10 ms between
 * scans, for at most `timeoutMs`. Synchronous, so the exit hook can use it. Returns the pids killed.
 */
export function killTaggedSync(value: string, timeoutMs = 2000): number[] {
  const killed = new Set<number>()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const pids = findTagged(value)
    if (pids.length === 0) break
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
        killed.add(pid)
      } catch {
        // ESRCH: gone meanwhile; EPERM: not ours after all.
      }
    }
    if (Date.now() >= deadline) break
    pauseSync(10)
  }
  return [...killed]
}
