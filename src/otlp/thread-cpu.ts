/**
 * CPU time of the calling thread, from Linux /proc (Node 20 has no per-thread CPU clock, and in a
 * worker thread process.cpuUsage() is the whole process's). The receiver's worker reads it at reset
 * and at every snapshot, so a round's receiver CPU is everything its thread did: HTTP or gRPC
 * transport, body reads, decoding, accounting and the garbage collection run on that thread.
 *
 * Read synchronously on purpose: /proc/thread-self names the thread that opens it, and an async
 * read would open it from one of libuv's pool threads.
 */
import { readFileSync } from 'node:fs'
import { parseProcStat } from '../service/procstat.js'

/** Which file the clock reads: schedstat (nanoseconds) or stat (utime + stime in clock ticks). */
export type ThreadCpuSource = 'schedstat' | 'stat'

/** A clock of the calling thread's CPU seconds. */
export interface ThreadCpuClock {
  source: ThreadCpuSource
  /** CPU seconds the calling thread has used so far. Throws when the file can no longer be read. */
  read(): number
}

/**
 * Seconds on CPU from the text of /proc/<tid>/schedstat ("<ns on CPU> <ns waiting> <timeslices>",
 * sched_info of the kernel's CONFIG_SCHED_INFO), or null when it does not look like one.
 */
export function parseSchedstat(text: string): number | null {
  const m = /^(\d+) (\d+) (\d+)\n?$/.exec(text)
  return m === null ? null : Number(m[1]) / 1e9
}

/** Seconds of user + system time from the text of /proc/<tid>/stat at `clockTick` ticks per second, or null. */
export function parseThreadStatCpu(text: string, clockTick: number): number | null {
  // The page size only scales RSS, which is not used here.
  const entry = parseProcStat(text, 4096)
  return entry === null ? null : entry.ownTicks / clockTick
}

/**
 * The calling thread's CPU clock: /proc/thread-self/schedstat (nanoseconds), else
 * /proc/thread-self/stat (clock ticks, USER_HZ = `clockTick`, 100 on Linux); null where neither can
 * be read (not Linux, no /proc, Linux before 3.17).
 */
export function threadCpuClock(procRoot = '/proc', clockTick = 100): ThreadCpuClock | null {
  const attempt = (source: ThreadCpuSource, parse: (text: string) => number | null): ThreadCpuClock | null => {
    const file = `${procRoot}/thread-self/${source}`
    const read = (): number => {
      const text = readFileSync(file, 'utf8')
      const seconds = parse(text)
      if (seconds === null)
        throw new Error(
          `${file}: expected ${source === 'schedstat' ? '"<ns> <ns> <slices>"' : 'a proc(5) stat line'}, got ` +
            `'${text.trim().slice(0, 120)}'`
        )
      return seconds
    }
    try {
      read()
      return { source, read }
    } catch {
      return null
    }
  }
  return attempt('schedstat', parseSchedstat) ?? attempt('stat', (text) => parseThreadStatCpu(text, clockTick))
}
