/**
 * The per-request staging area of span facts: what the wire walker read from one export request,
 * in parallel typed arrays (no object per span). A request is committed to the round's accounting
 * only once it decoded completely, so a truncated export adds nothing.
 */

const INITIAL_CAPACITY = 1024

/** Span facts of one export request: start time, root-ness and a 64-bit fold of the trace id. */
export class SpanBatch {
  /** Spans staged. */
  count = 0
  /** Start time of each span, Unix milliseconds (from start_time_unix_nano; 0 when absent). */
  startMs = new Float64Array(INITIAL_CAPACITY)
  /** 1 when the span has no parent (empty or all-zero parent_span_id), else 0. */
  root = new Uint8Array(INITIAL_CAPACITY)
  /** The 16-byte trace id folded to two 32-bit words (0, 0 = no valid trace id). */
  traceA = new Uint32Array(INITIAL_CAPACITY)
  traceB = new Uint32Array(INITIAL_CAPACITY)

  /** Forgets the staged spans (keeps the arrays for the next request). */
  clear(): void {
    this.count = 0
  }

  /** Stages one span. */
  push(startMs: number, root: boolean, traceA: number, traceB: number): void {
    if (this.count === this.startMs.length) this.grow()
    const i = this.count++
    this.startMs[i] = startMs
    this.root[i] = root ? 1 : 0
    this.traceA[i] = traceA
    this.traceB[i] = traceB
  }

  private grow(): void {
    const n = this.startMs.length * 2
    const startMs = new Float64Array(n)
    startMs.set(this.startMs)
    this.startMs = startMs
    const root = new Uint8Array(n)
    root.set(this.root)
    this.root = root
    const traceA = new Uint32Array(n)
    traceA.set(this.traceA)
    this.traceA = traceA
    const traceB = new Uint32Array(n)
    traceB.set(this.traceB)
    this.traceB = traceB
  }
}

/** Unix milliseconds of a fixed64 nanosecond timestamp given as its low and high 32-bit words. */
export function nanosWordsToMs(lo: number, hi: number): number {
  // hi * 2^32 / 1e6 + lo / 1e6, without building a 64-bit integer; a double holds today's Unix ms to ~0.25 µs.
  return hi * 4294.967296 + lo / 1e6
}
