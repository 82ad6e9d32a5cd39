/**
 * The measured window of a load phase, shared by the arms of a side-by-side block.
 *
 * Each arm's load runs continuously from before the window until after it, and only the responses that
 * complete inside the window count. Measured on the reference 2-core VM (2026-11-30, probe in
 * docs/bench-notes.md): when each arm timed its own phase instead (a warm-up instance, then a fresh
 * measured instance whose stop waits for autocannon's next 100 ms tick), the arms' windows were
 * misaligned by tens of ms at both ends; in those ms the arms still loaded had the shared core to
 * themselves, which added about as much per-block A/A noise as everything else together.
 */

/** Start and end of the measured window on `performance.now()`'s clock (ms). */
export interface MeasureWindow {
  startMs: number
  endMs: number
}

/**
 * How long every load keeps running after the window ends, so that no arm's window sees another arm already stopped.
 */
export const WINDOW_TAIL_MS = 250

/** The window of a phase whose load starts at `nowMs`: after `warmupSec` of discarded load, `durationSec` long. */
export function windowAfter(warmupSec: number, durationSec: number, nowMs: number = performance.now()): MeasureWindow {
  const startMs = nowMs + warmupSec * 1000
  return { startMs, endMs: startMs + durationSec * 1000 }
}

/** Milliseconds to seconds, rounded to the µs (so that 300 ms of float arithmetic reads 0.3 s). */
export function msToSec(ms: number): number {
  return Math.round(ms * 1000) / 1e6
}

/** The window's length in seconds. */
export function windowSec(w: MeasureWindow): number {
  return msToSec(w.endMs - w.startMs)
}

/** Seconds of load before the window, for a load that started at `startMs`. */
export function warmupSecOf(w: MeasureWindow, startMs: number): number {
  return msToSec(Math.max(0, w.startMs - startMs))
}

/** The window on the wall clock (`Date.now()` ms), e.g. to select spans by their start time. */
export function wallClockWindow(w: MeasureWindow): MeasureWindow {
  const offset = Date.now() - performance.now()
  return { startMs: w.startMs + offset, endMs: w.endMs + offset }
}

/** Throws unless `w` (when given) is a window of finite times that ends after it starts. */
export function checkWindow(w: MeasureWindow | undefined): void {
  if (w === undefined) return
  if (!Number.isFinite(w.startMs) || !Number.isFinite(w.endMs) || w.endMs <= w.startMs) {
    throw new Error(`the measured window must end after it starts, got ${JSON.stringify(w)}`)
  }
}

/** Where a moment lies relative to the window. */
export function placeInWindow(w: MeasureWindow, tMs: number): 'before' | 'inside' | 'after' {
  if (tMs < w.startMs) return 'before'
  return tMs < w.endMs ? 'inside' : 'after'
}

/** Zeroed counters, one per started second of the window (the last may be partial). */
export function perSecondCounts(w: MeasureWindow): number[] {
  return new Array<number>(Math.max(1, Math.ceil((w.endMs - w.startMs) / 1000 - 1e-9))).fill(0)
}

/** Count one event at `tMs` (inside the window) into its second. */
export function countInSecond(counts: number[], w: MeasureWindow, tMs: number): void {
  const i = Math.min(counts.length - 1, Math.max(0, Math.floor((tMs - w.startMs) / 1000)))
  counts[i] = (counts[i] as number) + 1
}

/** How often a load reports progress inside the window. */
export const PROGRESS_INTERVAL_MS = 1000

/** What a load phase does at the window's moments (src/load/load.ts and grpc.ts share this). */
export interface WindowSchedule {
  /** When the window opens, e.g. to start a CPU sampler. */
  onStart?: () => void
  /** When the window closes, e.g. to stop the CPU sampler (the load runs on for WINDOW_TAIL_MS). */
  onEnd?: () => void
  /** Every `progressMs` inside the window, with the seconds since it opened. */
  onProgress?: (elapsedSec: number) => void
  /** Once, WINDOW_TAIL_MS after the window closes: stop the load. */
  stop: () => void
  /** Progress interval (default PROGRESS_INTERVAL_MS). */
  progressMs?: number
}

/**
 * Schedule a load phase's window moments on timers: `onStart` when the window opens, `onProgress`
 * every `progressMs` inside it, `onEnd` when it closes and `stop` WINDOW_TAIL_MS later. A hook that
 * throws is handed to `onError` (never thrown inside a timer, where it would crash the process).
 * Returns a cancel for everything not yet fired.
 */
export function scheduleWindow(w: MeasureWindow, s: WindowSchedule, onError: (e: unknown) => void): () => void {
  const timers: NodeJS.Timeout[] = []
  let progress: NodeJS.Timeout | undefined
  const guarded = (hook: () => void): void => {
    try {
      hook()
    } catch (e) {
      onError(e)
    }
  }
  const at = (tMs: number, hook: () => void): void => {
    // Timers may fire a fraction of a millisecond early by performance.now(): re-arm for the rest, so
    // a hook never runs before its moment.
    const due = (): void => {
      const earlyMs = tMs - performance.now()
      if (earlyMs > 0) timers.push(setTimeout(due, Math.ceil(earlyMs)))
      else guarded(hook)
    }
    timers.push(setTimeout(due, Math.max(0, tMs - performance.now())))
  }
  const onProgress = s.onProgress
  at(w.startMs, () => {
    if (onProgress !== undefined) {
      progress = setInterval(() => {
        const now = performance.now()
        if (placeInWindow(w, now) === 'inside') guarded(() => onProgress((now - w.startMs) / 1000))
      }, s.progressMs ?? PROGRESS_INTERVAL_MS)
    }
    s.onStart?.()
  })
  at(w.endMs, () => {
    clearInterval(progress)
    s.onEnd?.()
  })
  at(w.endMs + WINDOW_TAIL_MS, s.stop)
  return () => {
    for (const t of timers) clearTimeout(t)
    clearInterval(progress)
  }
}
