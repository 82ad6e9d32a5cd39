/**
 * The measured window of a load phase, shared by the arms of a side-by-side block.
 *
 * Each arm's load runs continuously from before the window until after it, and only the responses that
 * complete inside the window count. Measured on the reference 2-core VM (2026-11-30, probe in
 * bench/README.md): when each arm timed its own phase instead (a warm-up instance, then a fresh
 * measured instance whose stop waits for autocannon's next 100 ms tick), the arms' windows were
 * misaligned by tens of ms at both ends; in those ms the arms still loaded had the shared core to
 * themselves, which added about as much per-block A/A noise as everything else together.
 */

/** Start and end of the measured window on `performance.now()`'s clock (ms). */
export interface MeasureWindow {
  startMs: number
  endMs: number
}

/** How long every load keeps running after the window ends, so that no arm's window sees another arm already stopped. */
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

/**
 * Call `onStart` when the window opens and `onEnd` when it closes (timers; a hook that throws is
 * handed to `onError`). Returns a cancel for the timers not yet fired.
 */
export function scheduleWindowHooks(w: MeasureWindow, hooks: { onStart?: () => void; onEnd?: () => void }, onError: (e: unknown) => void): () => void {
  const timers: NodeJS.Timeout[] = []
  const at = (tMs: number, hook: (() => void) | undefined): void => {
    if (hook === undefined) return
    // Timers may fire a fraction of a millisecond early by performance.now(): re-arm for the rest, so
    // a hook never runs before its moment.
    const due = (): void => {
      const earlyMs = tMs - performance.now()
      if (earlyMs > 0) {
        timers.push(setTimeout(due, Math.ceil(earlyMs)))
        return
      }
      try {
        hook()
      } catch (e) {
        onError(e)
      }
    }
    timers.push(setTimeout(due, Math.max(0, tMs - performance.now())))
  }
  at(w.startMs, hooks.onStart)
  at(w.endMs, hooks.onEnd)
  return () => {
    for (const t of timers) clearTimeout(t)
  }
}
