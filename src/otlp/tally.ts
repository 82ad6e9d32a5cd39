import type { OtlpCounts } from '../types.js'
import type { SpanBatch } from './batch.js'
import type { OtlpTraceSummary } from './decode.js'
import { SpanWindow, type WindowCounts } from './window.js'

/** A receiver's totals since start or the last reset. */
export interface OtlpSnapshot extends OtlpCounts {
  /** Root spans (no parent) in accepted exports. */
  roots: number
  /** Distinct service.name resource attributes seen, sorted. */
  serviceNames: string[]
  /** The receiver's CPU seconds since start or the last reset, over the scope `cpuScope` says. */
  cpuSeconds: number
  /**
   * What `cpuSeconds` covers. `thread`: the receiver's whole worker thread (transport, body reads,
   * decoding, accounting, GC on that thread; src/otlp/worker-host.ts). `decode`: only the synchronous
   * decompressing, decoding and counting of each export (process.cpuUsage() around it in the gate's
   * process; the HTTP/gRPC transport, 3–5× more, is not included — docs/bench-notes.md).
   */
  cpuScope: 'thread' | 'decode'
}

/** What both receivers (OTLP/HTTP and OTLP/gRPC) count per round: one implementation for both. */
export class SpanTally {
  private counts = { spans: 0, roots: 0, requests: 0, bytes: 0, rejected: 0 }
  private services = new Set<string>()
  private window = new SpanWindow()
  private cpuMicros = 0

  /** `timeDecode` false: no per-export timing (in a worker thread process.cpuUsage() is the whole process's). */
  constructor(private readonly timeDecode = true) {}

  /** An accepted trace export of `bytes` wire bytes whose spans are staged in `batch`. */
  accepted(summary: OtlpTraceSummary, bytes: number, batch: SpanBatch): void {
    this.counts.requests++
    this.counts.spans += summary.spans
    this.counts.bytes += bytes
    for (let i = 0; i < batch.count; i++) this.counts.roots += batch.root[i]!
    for (const name of summary.serviceNames) this.services.add(name)
    this.window.commit(batch)
  }

  /** A trace export that could not be used (undecodable, too large, wrong format). */
  rejected(): void {
    this.counts.rejected++
  }

  /** Adds the CPU of one export's handling, as a process.cpuUsage(start) difference. */
  addCpu(usage: NodeJS.CpuUsage): void {
    this.cpuMicros += usage.user + usage.system
  }

  /** The start of one export's synchronous handling, for {@link addCpuSince}; null when not timed. */
  cpuMark(): NodeJS.CpuUsage | null {
    return this.timeDecode ? process.cpuUsage() : null
  }

  /** Adds the CPU since `mark` (from {@link cpuMark}; nothing for null). */
  addCpuSince(mark: NodeJS.CpuUsage | null): void {
    if (mark !== null) this.addCpu(process.cpuUsage(mark))
  }

  /** Totals since start or the last reset. */
  snapshot(): OtlpSnapshot {
    return {
      ...this.counts,
      serviceNames: [...this.services].sort(),
      cpuSeconds: this.cpuMicros / 1e6,
      cpuScope: 'decode'
    }
  }

  /** Spans, roots and traces started in [t0Ms, t1Ms) (Unix ms, rounded to 1 ms) since the last reset. */
  windowCounts(t0Ms: number, t1Ms: number): WindowCounts {
    return this.window.counts(t0Ms, t1Ms)
  }

  /** Zeroes the counts and forgets the service names and span start times. */
  reset(): void {
    this.counts = { spans: 0, roots: 0, requests: 0, bytes: 0, rejected: 0 }
    this.services = new Set()
    this.window = new SpanWindow()
    this.cpuMicros = 0
  }
}
