import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/**
 * CPU pinning plan (`cpu-pinning: auto`). DESIGN.md reported less noise with the service on CPU 0 and
 * the load generator on the other core; our bench (bench/results) measured the opposite on these
 * 2-core runners — per-block QPS SD 3.7% pinned vs 1.6% unpinned at 5 s rounds — so pinning is
 * opt-in: a Node service pinned to one core shares it with its own GC and exporter threads.
 */
export interface Pinning {
  enabled: boolean
  /** Why pinning is on or off, for the report. */
  reason: string
  serviceCpus: string
  loadCpus: string
  /** Wrap a shell command so it (and its children) run on the service CPUs. */
  wrap(command: string): string
  /** Move this process (the load generator) to the load CPUs; returns a function that restores the old affinity. */
  pinSelf(): Promise<() => Promise<void>>
}

/** Quote a string for /bin/sh (single quotes; embedded quotes closed, escaped, reopened). */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

/** Parse "0,1" / "0-3,6" affinity lists from `taskset -pc` output into CPU numbers. */
export function parseCpuList(text: string): number[] {
  const list = text.includes(':') ? text.slice(text.lastIndexOf(':') + 1) : text
  const cpus: number[] = []
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim())
    if (!m) continue
    const lo = Number(m[1])
    const hi = m[2] === undefined ? lo : Number(m[2])
    for (let c = lo; c <= hi && c - lo < 4096; c++) cpus.push(c)
  }
  return cpus
}

const noPinning = (reason: string): Pinning => ({
  enabled: false,
  reason,
  serviceCpus: '',
  loadCpus: '',
  wrap: (command) => command,
  pinSelf: async () => async () => {}
})

/** Decide pinning from the `cpu-pinning` input and what this machine allows. Never throws. */
export async function planPinning(mode: 'auto' | 'off'): Promise<Pinning> {
  if (mode === 'off') return noPinning("off ('cpu-pinning: off')")
  if (process.platform !== 'linux') return noPinning(`off (taskset is Linux-only; platform ${process.platform})`)
  let allowed: number[]
  try {
    const { stdout } = await execFileAsync('taskset', ['-pc', String(process.pid)], { timeout: 5000 })
    allowed = parseCpuList(stdout)
  } catch {
    return noPinning('off (taskset not found; install util-linux to pin the service and the load generator)')
  }
  if (allowed.length < 2) return noPinning(`off (only ${allowed.length} CPU available: service and load share it)`)
  const serviceCpus = String(allowed[0])
  const loadCpus = allowed.slice(1).join(',')
  const original = allowed.join(',')
  return {
    enabled: true,
    reason: `service on CPU ${serviceCpus}, load generator on CPU ${loadCpus}`,
    serviceCpus,
    loadCpus,
    wrap: (command) => `exec taskset -c ${serviceCpus} /bin/sh -c ${shellQuote(command)}`,
    pinSelf: async () => {
      // -a: every thread of this process (libuv's pool included) moves to the load CPUs.
      await execFileAsync('taskset', ['-a', '-p', '-c', loadCpus, String(process.pid)], { timeout: 5000 })
      return async () => {
        await execFileAsync('taskset', ['-a', '-p', '-c', original, String(process.pid)], { timeout: 5000 }).catch(
          () => {}
        )
      }
    }
  }
}
