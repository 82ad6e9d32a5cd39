/** scheduleWindow: the window's moments in order, progress only inside, errors handed over, cancel. Order only, no timing goals. */
import {
  countInSecond,
  perSecondCounts,
  scheduleWindow,
  placeInWindow,
  windowAfter,
  WINDOW_TAIL_MS
} from '../../../src/load/window.js'
import { waitFor } from '../../helpers/tiny.js'

/** Wait (at most 10 s) until `done` holds; fails the test otherwise. */
async function until(done: () => boolean): Promise<void> {
  expect(await waitFor(done, 10_000)).toBe(true)
}

test('start, progress inside the window, end, then stop once after the tail', async () => {
  const w = windowAfter(0.02, 0.12)
  const events: { what: string; at: number; elapsed?: number }[] = []
  let stops = 0
  scheduleWindow(
    w,
    {
      onStart: () => events.push({ what: 'start', at: performance.now() }),
      onEnd: () => events.push({ what: 'end', at: performance.now() }),
      onProgress: (elapsed) => events.push({ what: 'progress', at: performance.now(), elapsed }),
      stop: () => {
        stops++
        events.push({ what: 'stop', at: performance.now() })
      },
      progressMs: 10
    },
    (e) => {
      throw e
    }
  )
  await until(() => stops > 0)
  await new Promise((r) => setTimeout(r, 30))
  const order = events.map((e) => e.what).filter((w, i, a) => w !== 'progress' || a[i - 1] !== 'progress')
  expect(order[0]).toBe('start')
  expect(order.slice(-2)).toEqual(['end', 'stop'])
  expect(stops).toBe(1)
  const at = Object.fromEntries(events.filter((e) => e.what !== 'progress').map((e) => [e.what, e.at]))
  expect(at.start).toBeGreaterThanOrEqual(w.startMs)
  expect(at.end).toBeGreaterThanOrEqual(w.endMs)
  expect(at.stop).toBeGreaterThanOrEqual(w.endMs + WINDOW_TAIL_MS)
  for (const p of events.filter((e) => e.what === 'progress')) {
    // Progress reports the moment it was taken, always inside the window.
    expect(placeInWindow(w, w.startMs + (p.elapsed as number) * 1000)).toBe('inside')
    expect(p.at).toBeGreaterThanOrEqual(at.start as number)
  }
})

test('a hook that throws goes to onError, and the rest still runs', async () => {
  const w = windowAfter(0, 0.03)
  const errors: unknown[] = []
  let stopped = false
  scheduleWindow(
    w,
    {
      onStart: () => {
        throw new Error('sampler broke')
      },
      stop: () => {
        stopped = true
      }
    },
    (e) => errors.push(e)
  )
  await until(() => stopped)
  expect(errors).toEqual([new Error('sampler broke')])
})

test('cancel stops everything not yet fired, progress included', async () => {
  const w = windowAfter(0, 0.05)
  const calls: string[] = []
  const cancel = scheduleWindow(
    w,
    {
      onStart: () => calls.push('start'),
      onEnd: () => calls.push('end'),
      onProgress: () => calls.push('progress'),
      stop: () => calls.push('stop'),
      progressMs: 5
    },
    () => {}
  )
  await until(() => calls.includes('start'))
  cancel()
  const seen = calls.length
  await new Promise((r) => setTimeout(r, 50 + WINDOW_TAIL_MS + 50))
  expect(calls.length).toBe(seen)
  expect(calls).not.toContain('stop')
})

test('per-second counts: one counter per started second, events counted into theirs, clamped at the edges', () => {
  const w = { startMs: 1000, endMs: 11_000 }
  expect(perSecondCounts(w)).toEqual(new Array(10).fill(0))
  expect(perSecondCounts({ startMs: 0, endMs: 10_500 })).toHaveLength(11)
  expect(perSecondCounts({ startMs: 0, endMs: 300 })).toEqual([0])
  const c = perSecondCounts(w)
  for (const t of [1000, 1999.9, 2000, 10_999, 11_000, 999]) countInSecond(c, w, t)
  expect(c).toEqual([3, 1, 0, 0, 0, 0, 0, 0, 0, 2])
})
