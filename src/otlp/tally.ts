import type { OtlpCounts } from '../types.js'
import type { OtlpTraceSummary } from './decode.js'

/** What both receivers (OTLP/HTTP and OTLP/gRPC) count per round: one implementation for both. */
export class SpanTally {
  private counts: OtlpCounts = { spans: 0, requests: 0, bytes: 0, rejected: 0 }
  private services = new Set<string>()

  /** An accepted trace export of `bytes` wire bytes. */
  accepted(summary: OtlpTraceSummary, bytes: number): void {
    this.counts.requests++
    this.counts.spans += summary.spans
    this.counts.bytes += bytes
    for (const name of summary.serviceNames) this.services.add(name)
  }

  /** A trace export that could not be used (undecodable, too large, wrong format). */
  rejected(): void {
    this.counts.rejected++
  }

  snapshot(): OtlpCounts & { serviceNames: string[] } {
    return { ...this.counts, serviceNames: [...this.services].sort() }
  }

  /** Zeroes the counts and forgets the service names. */
  reset(): void {
    this.counts = { spans: 0, requests: 0, bytes: 0, rejected: 0 }
    this.services = new Set()
  }
}
