/** The receivers' public shapes, shared by the OTLP/HTTP and OTLP/gRPC receivers (no import circle between them). */
import type { WindowCounts } from './window.js'
import type { OtlpSnapshot } from './tally.js'

/** Options of {@link startOtlpReceiver}. */
export interface OtlpReceiverOptions {
  /** Interface to bind (default 127.0.0.1: the service runs on the same machine). */
  host?: string
  /** Port to bind (default 0: an ephemeral port, see `OtlpReceiver.port`). */
  port?: number
  /** Where to report rejected requests and other oddities. */
  log?: (msg: string) => void
  /** Largest request body accepted on the wire and after gzip (default 32 MiB). */
  maxBodyBytes?: number
  /**
   * Also decode every protobuf span into objects, so a corrupt span is rejected (default false: the
   * wire walker reads only trace id, parent id and start time; see docs/bench-notes.md for the CPU cost).
   */
  validateSpans?: boolean
  /** `http` (default): OTLP/HTTP on `/v1/traces`; `grpc`: OTLP/gRPC TraceService/Export (see grpc-receiver.ts). */
  protocol?: 'http' | 'grpc'
  /**
   * Time each export's decoding with process.cpuUsage() (default true: `snapshot().cpuSeconds`, scope
   * `decode`). The worker turns it off: it reads its whole thread's CPU instead (worker-host.ts).
   */
  timeDecode?: boolean
}

/** A running receiver. */
export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT, e.g. `http://127.0.0.1:4318` (the SDK appends /v1/traces). */
  endpoint: string
  /** The bound port (useful when `port` was 0). */
  port: number
  /**
   * Totals since start or the last reset: spans, roots, requests, bytes, rejected, service names, CPU (and what it
   * covers).
   */
  snapshot(): OtlpSnapshot
  /**
   * Spans, root spans and distinct traces that STARTED in [t0Ms, t1Ms) (Unix ms rounded to 1 ms, the gate's
   * Date.now(); span start times are the service's wall clock on the same machine), since the last
   * reset. Ask after the service was stopped (its last spans are flushed on SIGTERM).
   */
  windowCounts(t0Ms: number, t1Ms: number): WindowCounts
  /** Zeroes the counts and forgets the service names and span start times. */
  reset(): void
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>
}
