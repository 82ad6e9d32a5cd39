/**
 * Span accounting by time window: which spans, root spans and traces STARTED within [t0, t1] (span
 * start times from the spans themselves, Unix ms, compared with the gate's wall clock — same machine).
 * Kept in compact typed arrays, never an object per span, so that a round at 100 % sampling stays
 * cheap: per-millisecond counters for spans and roots, and an open-addressing table of trace ids
 * holding each trace's earliest span start and its span count.
 */
import type { SpanBatch } from './batch.js'

/** What {@link SpanWindow.counts} answers for one window [t0, t1). */
export interface WindowCounts {
  /** Spans whose own start time lies in the window (bounds rounded to 1 ms). */
  spans: number
  /** Root spans (no parent) whose start time lies in the window: sampled traces when the load sends no traceparent. */
  roots: number
  /** Distinct trace ids whose earliest span seen starts in the window. */
  traces: number
  /** All spans of those traces, also ones starting after the window (a trace is attributed to its start). */
  traceSpans: number
  /** traceSpans / traces, or null without traces. */
  spansPerTrace: number | null
  /** False when more traces arrived than the table keeps ({@link MAX_TRACES}): `traces`/`traceSpans` are then low. */
  tracesComplete: boolean
}

const CHUNK_MS = 1024

/**
 * Counts per millisecond of Unix time, in sparse 1024-ms chunks (memory grows with the time spanned, not the count).
 */
class MsHistogram {
  private chunks = new Map<number, Uint32Array>()
  private lastKey = NaN
  private last: Uint32Array | null = null

  add(ms: number): void {
    const bucket = Math.floor(ms)
    const key = Math.floor(bucket / CHUNK_MS)
    if (key !== this.lastKey) {
      let chunk = this.chunks.get(key)
      if (chunk === undefined) {
        chunk = new Uint32Array(CHUNK_MS)
        this.chunks.set(key, chunk)
      }
      this.lastKey = key
      this.last = chunk
    }
    this.last![bucket - key * CHUNK_MS]!++
  }

  /** Counts in the millisecond buckets round(t0) … round(t1) − 1. */
  count(t0: number, t1: number): number {
    const b0 = Math.round(t0)
    const b1 = Math.round(t1) - 1
    let total = 0
    for (const [key, chunk] of this.chunks) {
      const base = key * CHUNK_MS
      const from = Math.max(b0 - base, 0)
      const to = Math.min(b1 - base, CHUNK_MS - 1)
      for (let i = from; i <= to; i++) total += chunk[i]!
    }
    return total
  }
}

/** Most traces tracked per reset (17 bytes per slot, two slots per trace: ~70 MB at the cap). */
export const MAX_TRACES = 1 << 21
const INITIAL_SLOTS = 1 << 12

/** MurmurHash3's 32-bit finalizer: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** Open-addressing hash table (linear probing) keyed by a trace id folded to two 32-bit words. */
class TraceTable {
  private keyA = new Uint32Array(INITIAL_SLOTS)
  private keyB = new Uint32Array(INITIAL_SLOTS)
  /**
   * Millisecond bucket of the trace's earliest span start, relative to `origin` (an integer, so a
   * trace falls in exactly the same windows as its root in MsHistogram; float32 offsets did not:
   * a start on a millisecond boundary could round to the bucket before).
   */
  private minStart = new Int32Array(INITIAL_SLOTS)
  private spans = new Uint32Array(INITIAL_SLOTS)
  private roots = new Uint8Array(INITIAL_SLOTS)
  private size = 0
  private origin = NaN
  /** False once a trace was refused because the table was full. */
  complete = true

  /** Records one span of trace (a, b); (0, 0) means the span had no valid trace id. */
  add(a: number, b: number, startMs: number, root: boolean): void {
    if (a === 0 && b === 0) return
    if (Number.isNaN(this.origin)) this.origin = Math.floor(startMs)
    // Clamped: a span stamped 0 (no start time) or in the far future must not wrap around.
    const bucket = Math.max(-0x80000000, Math.min(0x7fffffff, Math.floor(startMs) - this.origin))
    let i = this.find(a, b)
    if (this.keyA[i] === 0 && this.keyB[i] === 0) {
      if (this.size >= MAX_TRACES) {
        this.complete = false
        return
      }
      if ((this.size + 1) * 2 > this.keyA.length) {
        this.grow()
        i = this.find(a, b)
      }
      this.keyA[i] = a
      this.keyB[i] = b
      this.minStart[i] = bucket
      this.size++
    } else if (bucket < this.minStart[i]!) {
      this.minStart[i] = bucket
    }
    this.spans[i]!++
    if (root && this.roots[i]! < 255) this.roots[i]!++
  }

  /** Traces whose earliest start is in [t0, t1) (ms buckets, like MsHistogram) and their spans. */
  count(t0: number, t1: number): { traces: number; traceSpans: number } {
    const lo = Math.round(t0) - this.origin
    const hi = Math.round(t1) - this.origin
    let traces = 0
    let traceSpans = 0
    for (let i = 0; i < this.keyA.length; i++) {
      if (this.keyA[i] === 0 && this.keyB[i] === 0) continue
      const s = this.minStart[i]!
      if (s >= lo && s < hi) {
        traces++
        traceSpans += this.spans[i]!
      }
    }
    return { traces, traceSpans }
  }

  private find(a: number, b: number): number {
    const mask = this.keyA.length - 1
    // Both words fully mixed: trace ids are random in most SDKs, but not in all (time-prefixed
    // X-Ray ids, sequential ids of test tools), and linear probing degrades badly on clustered hashes.
    let i = fmix32(a ^ fmix32((b + 0x9e3779b9) | 0)) & mask
    while (!(this.keyA[i] === 0 && this.keyB[i] === 0) && !(this.keyA[i] === a && this.keyB[i] === b))
      i = (i + 1) & mask
    return i
  }

  private grow(): void {
    const old = { keyA: this.keyA, keyB: this.keyB, minStart: this.minStart, spans: this.spans, roots: this.roots }
    const n = this.keyA.length * 2
    this.keyA = new Uint32Array(n)
    this.keyB = new Uint32Array(n)
    this.minStart = new Int32Array(n)
    this.spans = new Uint32Array(n)
    this.roots = new Uint8Array(n)
    for (let j = 0; j < old.keyA.length; j++) {
      const a = old.keyA[j]!
      const b = old.keyB[j]!
      if (a === 0 && b === 0) continue
      const i = this.find(a, b)
      this.keyA[i] = a
      this.keyB[i] = b
      this.minStart[i] = old.minStart[j]!
      this.spans[i] = old.spans[j]!
      this.roots[i] = old.roots[j]!
    }
  }
}

/** Every span of a round (since the last reset), answerable by start-time window. */
export class SpanWindow {
  private spans = new MsHistogram()
  private roots = new MsHistogram()
  private traces = new TraceTable()

  /** Adds the spans staged in `batch` (an accepted export request). */
  commit(batch: SpanBatch): void {
    for (let i = 0; i < batch.count; i++) {
      const start = batch.startMs[i]!
      const root = batch.root[i] === 1
      this.spans.add(start)
      if (root) this.roots.add(start)
      this.traces.add(batch.traceA[i]!, batch.traceB[i]!, start, root)
    }
  }

  /**
   * Spans, roots and traces started in [t0Ms, t1Ms) (Unix ms, bounds rounded to the millisecond, so
   * back-to-back windows [a, b) and [b, c) split the spans exactly, none counted twice).
   */
  counts(t0Ms: number, t1Ms: number): WindowCounts {
    if (!(Number.isFinite(t0Ms) && Number.isFinite(t1Ms) && t0Ms <= t1Ms)) {
      throw new RangeError(`span window [${t0Ms}, ${t1Ms}]: expected finite Unix milliseconds with t0 <= t1`)
    }
    const { traces, traceSpans } = this.traces.count(t0Ms, t1Ms)
    return {
      spans: this.spans.count(t0Ms, t1Ms),
      roots: this.roots.count(t0Ms, t1Ms),
      traces,
      traceSpans,
      spansPerTrace: traces > 0 ? traceSpans / traces : null,
      tracesComplete: this.traces.complete
    }
  }
}
