/**
 * The primary phase of a block as a run of slices (the alternating, side-by-side and sequential designs
 * alike): every target (one service process) has a gated closed-loop load (src/load/gate.ts) whose
 * connections stay open for the whole phase; each slice opens the gates of the targets it loads.
 *
 * 1. Warm-up: every target loaded at once, in slices, until every target is steady (src/measure/steady.ts) or
 *    has had `capSec` of load (and never before `minSec`), or, with a fixed warm-up, until each has had that
 *    many seconds of load.
 * 2. Measurement: `alternate` — cycles of one slice per target in balanced order (slices.ts), so each
 *    target is measured alone on the shared core while the cycles cancel drift; `together` — one
 *    slice with every target loaded at once (one shared window, as before).
 *
 * What counts: the 2xx answers that complete inside a slice's measured part, which begins once the
 * target has answered `connections` requests since its gate opened (its closed loop is then full
 * again) and ends when the gate closes. QPS is those answers over the parts' seconds; latency is theirs.
 * Work a target does outside its own slices (a batch export, GC, a JIT thread) slows the target whose
 * slice it is: it is charged to its own arm through CPU per request, read from /proc over the whole
 * measured phase with every 2xx answered in it (`servedOk`).
 */
import { createLatencyHistogram, summarizeLatency, type LatencyHistogram } from '../load/histogram.js'
import { errorRateOf, type GatedLoad, type LoadEventKind } from '../load/load.js'
import type { LoadResult } from '../types.js'
import { cycleSlices, measuredCycles, type SliceMode, type SliceSet } from './slices.js'
import { DEFAULT_STEADY_RULE, steadyState, type SteadyRule } from './steady.js'

/** How the warm-up ends: after a fixed time of load per target, or when every target is steady (with a cap). */
/** `auto`: until the steady rule holds for every target, after at least `minSec` and at most `capSec` of load. */
export type WarmupPlan =
  { kind: 'fixed'; sec: number } | { kind: 'auto'; capSec: number; minSec?: number; rule?: SteadyRule }

/** One target's warm-up as it went. */
export interface WarmupOutcome {
  /** Seconds of load this target had before measuring (alternate mode: a second shared by n targets counts 1/n). */
  loadSec: number
  /** `steady`: the rule held; `cap`: the cap ended it first; `fixed`: a fixed warm-up. */
  ended: 'steady' | 'cap' | 'fixed'
  /** The last relative change the rule saw between the two halves (null: too few slices). */
  change: number | null
  /** 2xx answers during the warm-up. */
  ok: number
  /** Requests per second of each warm-up slice, oldest first (rounded). */
  rates: number[]
}

/** What one target measured. */
export interface TargetOutcome {
  load: LoadResult & { histogram: LatencyHistogram }
  warmup: WarmupOutcome
  /** The measured parts of its slices, on performance.now()'s clock (e.g. to count spans inside them). */
  parts: Array<{ startMs: number; endMs: number }>
  /** Every 2xx answer from the first measured slice to the end of the phase (the divisor of CPU per request). */
  servedOk: number
}

/** Receives a gated load's answered and failed requests. */
export type Sink = (kind: LoadEventKind, tMs: number, latencyUs: number) => void

export interface SlicedPhaseOptions {
  /** One per target: start its gated load (gate closed) with the phase's sink for it. */
  starts: ReadonlyArray<(sink: Sink) => GatedLoad>
  /** Connections of each load (the answers that refill its closed loop after its gate opens). */
  connections: readonly number[]
  mode: SliceMode
  /** Alternate mode: the targets in this block's start order (default 0…n−1); the cycles follow it. */
  order?: readonly number[]
  sliceSec: number
  /** Measured seconds per target. */
  measuredSec: number
  warmup: WarmupPlan
  /** How long a closing gate may wait for the requests in flight (the request timeout, with slack). */
  drainTimeoutMs: number
  /** Called before every slice: throws when a service died or the run was cancelled. */
  check: () => void
  /** The measured phase starts (after warm-up) / ends (after the last slice drained). */
  onMeasureStart?: () => void
  onMeasureEnd?: () => void
  /** After each measured slice: seconds measured so far for target `index`, its 2xx so far. */
  onProgress?: (index: number, p: { elapsedSec: number; ok: number }) => void
}

type Stage = 'warmup' | 'measure' | 'done'

/** A target's counters while the phase runs. */
class TargetState {
  /** Its gate is open (it is in the current slice). */
  isOpen = false
  /** Answers since its gate last opened (the measured part starts at `connections`). */
  sinceOpen = 0
  /** Start of the current slice's measured part, or null while not counting. */
  countingFrom: number | null = null
  /** Its gate opened in this slice and its measured part has not started yet; not before `settleAfter`. */
  awaitSettle = false
  settleAfter = 0
  /** When its last measured part ended (its gate stays open SLICE_EDGE_MS beyond). */
  countedUntil = 0
  sliceOk = 0
  warmupOk = 0
  readonly warmupRates: number[] = []
  warmupLoadMs = 0
  servedOk = 0
  readonly parts: Array<{ startMs: number; endMs: number }> = []
  readonly tally = { ok: 0, responses: 0, errors: 0, timeouts: 0 }
  readonly histogram = createLatencyHistogram()
  /**
   * 2xx answers per second of the measured part, the last entry partial (together mode), or per measured slice
   * (alternate mode).
   */
  readonly okPerSecond: number[] = []
  constructor(readonly connections: number) {}

  measuredSec(): number {
    return this.parts.reduce((a, p) => a + (p.endMs - p.startMs), 0) / 1000
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Load before and after every measured part that is not counted. Spans are matched to the answers of a part
 * by their start time, stamped on the service's clock: OpenTelemetry SDKs stamp spans from their own time
 * origin, which was seen up to ~40 ms off the gate's wall clock (a Node fixture at 100 % sampling, spans
 * short by 3-4 % of a 1 s part until the load ran on past it). With load on both sides of every part, such a
 * shift moves the span window inside loaded time; 100 ms of a 1 s slice is the price.
 */
export const SLICE_EDGE_MS = 100

/** One target's share of a slice: 2xx answers in its measured part and the part's seconds (0: never settled). */
interface SliceCount {
  index: number
  ok: number
  sec: number
}

/** The phase while it runs: targets, their loads, which gates are open, and the stage. */
class Phase {
  stage: Stage = 'warmup'
  readonly open = new Set<number>()
  readonly loads: GatedLoad[] = []
  readonly states: TargetState[]

  constructor(readonly o: SlicedPhaseOptions) {
    if (o.starts.length !== o.connections.length) throw new Error('runSlicedPhase: one connection count per load')
    this.states = o.connections.map((c) => new TargetState(c))
  }

  /** The sink of target `s`: counts every answer by stage and by whether it fell in a measured part. */
  sinkOf(s: TargetState): Sink {
    return (kind, tMs, latencyUs) => {
      s.sinceOpen++
      if (this.stage === 'measure' && kind === 'ok') s.servedOk++
      const from = s.countingFrom
      if (from === null) {
        // The closed loop is full again once every connection has had an answer: count from here.
        if (s.awaitSettle && s.sinceOpen >= s.connections && tMs >= s.settleAfter) {
          s.countingFrom = tMs
          s.awaitSettle = false
        }
        return
      }
      if (kind === 'ok') s.sliceOk++
      if (this.stage !== 'measure') return
      if (kind === 'ok' || kind === 'non2xx') s.tally.responses++
      if (kind === 'ok') {
        s.tally.ok++
        s.histogram.recordValue(latencyUs)
        if (this.o.mode === 'together') {
          const sec = Math.floor((tMs - from) / 1000)
          while (s.okPerSecond.length <= sec) s.okPerSecond.push(0)
          s.okPerSecond[sec] = (s.okPerSecond[sec] as number) + 1
        }
      } else if (kind === 'error') s.tally.errors++
      else if (kind === 'timeout') s.tally.timeouts++
    }
  }

  async close(i: number): Promise<void> {
    const s = this.states[i] as TargetState
    // The load goes on for SLICE_EDGE_MS after the part it was counted in (see SLICE_EDGE_MS).
    const edge = s.countedUntil + SLICE_EDGE_MS - performance.now()
    if (edge > 0) await sleep(edge)
    this.open.delete(i)
    s.isOpen = false
    s.awaitSettle = false
    await (this.loads[i] as GatedLoad).gate.close(this.o.drainTimeoutMs)
  }

  /** One slice: close the gates of targets not in `set`, open those in it, wait `sec`, and count each part. */
  async slice(set: SliceSet, sec: number): Promise<SliceCount[]> {
    this.o.check()
    for (const i of [...this.open]) if (!set.includes(i)) await this.close(i)
    const t0 = performance.now()
    let opened = false
    for (const i of set) {
      const s = this.states[i] as TargetState
      s.sliceOk = 0
      // A target loaded in the slice before too is already in its stride: its part starts now.
      if (this.open.has(i)) s.countingFrom = t0
      else {
        s.sinceOpen = 0
        s.countingFrom = null
        s.awaitSettle = true
        s.settleAfter = t0 + SLICE_EDGE_MS
        opened = true
        s.isOpen = true
        this.open.add(i)
        ;(this.loads[i] as GatedLoad).gate.openGate()
      }
    }
    // A freshly opened target counts from SLICE_EDGE_MS on: the slice is that much longer, so its part is `sec`.
    await sleep(sec * 1000 + (opened ? SLICE_EDGE_MS : 0))
    const t1 = performance.now()
    return set.map((i) => {
      const s = this.states[i] as TargetState
      const from = s.countingFrom
      s.countingFrom = null
      s.awaitSettle = false
      s.countedUntil = t1
      // Alternating warm-up loads every target at once on the shared core: each had 1/n of it (see warmup()).
      if (this.stage === 'warmup') s.warmupLoadMs += (t1 - t0) / (this.o.mode === 'alternate' ? set.length : 1)
      if (from === null) return { index: i, ok: 0, sec: 0 }
      if (this.stage === 'measure') {
        s.parts.push({ startMs: from, endMs: t1 })
        // Alternating: one count per measured slice (about a second each), so a slow slice shows.
        if (this.o.mode === 'alternate') s.okPerSecond.push(s.sliceOk)
        // Together: one entry per started second of the part, the last one partial, so every target of the
        // shared window has a series of the same length whether or not an answer fell in its last moment.
        else while (s.okPerSecond.length < Math.floor((t1 - from) / 1000) + 1) s.okPerSecond.push(0)
      }
      return { index: i, ok: s.sliceOk, sec: (t1 - from) / 1000 }
    })
  }

  /** Warm-up slices until the plan says every target is warm; returns each target's last verdict. */
  async warmup(): Promise<Array<{ steady: boolean; change: number | null }>> {
    const w = this.o.warmup
    const rule = w.kind === 'auto' ? (w.rule ?? DEFAULT_STEADY_RULE) : DEFAULT_STEADY_RULE
    const verdicts = this.states.map(() => ({ steady: false, change: null as number | null }))
    const limitMs = (w.kind === 'auto' ? w.capSec : w.sec) * 1000
    const minMs = w.kind === 'auto' ? Math.min(w.minSec ?? 0, w.capSec) * 1000 : limitMs
    const done = (): boolean =>
      this.states.every((s) => s.warmupLoadMs >= limitMs - 1) ||
      (w.kind === 'auto' && verdicts.every((v) => v.steady) && this.states.every((s) => s.warmupLoadMs >= minMs - 1))
    // Every target warms up at once, in both modes: one continuous load per target, no gate opening and closing
    // every second as in turns. In alternate mode the n targets share the core, so a second of the warm-up counts
    // 1/n second of load per target, and the rule sees one point per n slices (their pooled rate): its points
    // stay seconds of the core, as on the warm-up curves it was chosen on (steady.ts). Judged on one-second shared
    // slices instead, the Java agent fixture read steady after 8-16 s of its share, far up its climb (1 %
    // sampling read 33.9 % overhead against 16.4 % after a 120 s warm-up, reference VM, 2026-12-07).
    const share = this.o.mode === 'alternate' ? this.states.length : 1
    const slices = this.states.map(() => [] as Array<{ ok: number; sec: number }>)
    const points = (i: number): number[] => {
      const all = slices[i] as Array<{ ok: number; sec: number }>
      const out: number[] = []
      for (let k = 0; k + share <= all.length; k += share) {
        const chunk = all.slice(k, k + share)
        out.push(chunk.reduce((a, c) => a + c.ok, 0) / chunk.reduce((a, c) => a + c.sec, 0))
      }
      return out
    }
    for (let cycle = 0; limitMs > 0 && !done(); cycle++) {
      for (const set of cycleSlices('together', this.states.length, cycle)) {
        const left = Math.min(...set.map((i) => limitMs - (this.states[i] as TargetState).warmupLoadMs)) * share
        for (const r of await this.slice(set, Math.min(this.o.sliceSec, Math.max(left, 1) / 1000))) {
          const s = this.states[r.index] as TargetState
          s.warmupOk += r.ok
          if (r.sec > 0) {
            s.warmupRates.push(r.ok / r.sec)
            slices[r.index]?.push({ ok: r.ok, sec: r.sec })
          }
          verdicts[r.index] = steadyState(points(r.index), rule)
        }
      }
    }
    return verdicts
  }

  /** The measured slices: one shared slice (together) or balanced cycles of single slices (alternate). */
  async measure(): Promise<void> {
    const o = this.o
    this.stage = 'measure'
    o.onMeasureStart?.()
    try {
      const progress = (rs: SliceCount[]): void => {
        for (const r of rs) {
          const s = this.states[r.index] as TargetState
          o.onProgress?.(r.index, { elapsedSec: s.measuredSec(), ok: s.tally.ok })
        }
      }
      if (o.mode === 'together')
        progress(await this.slice(cycleSlices('together', this.states.length, 0)[0] as SliceSet, o.measuredSec))
      else {
        const cycles = measuredCycles(o.measuredSec, o.sliceSec)
        for (let cycle = 0; cycle < cycles; cycle++) {
          for (const set of cycleSlices('alternate', this.states.length, cycle))
            progress(
              await this.slice(
                set.map((i) => o.order?.[i] ?? i),
                o.measuredSec / cycles
              )
            )
        }
      }
      for (const i of [...this.open]) await this.close(i)
    } finally {
      this.stage = 'done'
      o.onMeasureEnd?.()
    }
  }

  outcome(i: number, verdict: { steady: boolean; change: number | null }): TargetOutcome {
    const s = this.states[i] as TargetState
    const sec = s.measuredSec()
    const counts = {
      responses: s.tally.responses,
      non2xx: s.tally.responses - s.tally.ok,
      errors: s.tally.errors,
      timeouts: s.tally.timeouts
    }
    return {
      load: {
        durationSec: Math.round(sec * 1e6) / 1e6,
        ...counts,
        ok: s.tally.ok,
        qps: sec > 0 ? s.tally.ok / sec : 0,
        errorRate: errorRateOf(counts),
        latency: summarizeLatency(s.histogram),
        histogram: s.histogram,
        okPerSecond: s.okPerSecond
      },
      warmup: {
        loadSec: Math.round(s.warmupLoadMs) / 1000,
        ended: this.o.warmup.kind === 'fixed' ? 'fixed' : verdict.steady ? 'steady' : 'cap',
        change: verdict.change,
        ok: s.warmupOk,
        rates: s.warmupRates.map((r) => Math.round(r))
      },
      parts: s.parts,
      servedOk: s.servedOk
    }
  }
}

/**
 * Run the primary phase: start every target's gated load, warm up, measure, end the loads. Rejects on a
 * dead service or a cancel (`check`), a load that never drains, or a load whose own totals disagree
 * with the events it reported; every load is ended on every path.
 */
export async function runSlicedPhase(o: SlicedPhaseOptions): Promise<TargetOutcome[]> {
  const phase = new Phase(o)
  try {
    for (const [i, start] of o.starts.entries()) phase.loads.push(start(phase.sinkOf(phase.states[i] as TargetState)))
    const verdicts = await phase.warmup()
    await phase.measure()
    const ends = await Promise.allSettled(phase.loads.splice(0).map((l) => l.end()))
    const failed = ends.find((e): e is PromiseRejectedResult => e.status === 'rejected')
    if (failed !== undefined) throw failed.reason
    return verdicts.map((v, i) => phase.outcome(i, v))
  } finally {
    await Promise.allSettled(phase.loads.map((l) => l.end()))
  }
}
