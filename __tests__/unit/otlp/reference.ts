/**
 * Test helpers for the wire walker: the same span facts computed the slow, obvious way (protobufjs
 * object decoding, BigInt nanoseconds), and a crafted-request encoder with chosen roots and times.
 */
import protobuf from 'protobufjs'
import { otlpTypes } from '../../../src/otlp/decode.js'
import type { SpanBatch } from '../../../src/otlp/batch.js'

/** One span's facts as the accounting sees them. */
export interface SpanFacts {
  startMs: number
  root: boolean
  traceA: number
  traceB: number
}

/** The 64-bit fold of a 16-byte trace id (w0^w2, w1^w3 of the little-endian words); [0,0] otherwise. */
export function fold(id: Uint8Array): [number, number] {
  if (id.length !== 16) return [0, 0]
  const b = Buffer.from(id)
  return [(b.readUInt32LE(0) ^ b.readUInt32LE(8)) >>> 0, (b.readUInt32LE(4) ^ b.readUInt32LE(12)) >>> 0]
}

interface DecodedSpan {
  traceId: Uint8Array
  parentSpanId: Uint8Array
  startTimeUnixNano: string
}

/** Span facts via the full object decoder (the reference the walker must agree with). */
export function referenceFacts(body: Uint8Array): SpanFacts[] {
  const req = otlpTypes.ExportTraceServiceRequest.toObject(otlpTypes.ExportTraceServiceRequest.decode(body), {
    longs: String,
    bytes: Array,
    defaults: true
  }) as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: DecodedSpan[] }> }>
  }
  const out: SpanFacts[] = []
  for (const rs of req.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const [traceA, traceB] = fold(Uint8Array.from(s.traceId))
        out.push({
          // BigInt: exact nanoseconds, then ms as a double.
          startMs: Number(BigInt(s.startTimeUnixNano) / 1000n) / 1000,
          root: Array.from(s.parentSpanId).every((x) => x === 0),
          traceA,
          traceB
        })
      }
    }
  }
  return out
}

/** The facts staged in a batch, as plain objects for comparison. */
export function batchFacts(batch: SpanBatch): SpanFacts[] {
  return Array.from({ length: batch.count }, (_, i) => ({
    startMs: batch.startMs[i]!,
    root: batch.root[i] === 1,
    traceA: batch.traceA[i]!,
    traceB: batch.traceB[i]!
  }))
}

/** A span of a crafted request. */
export interface CraftedSpan {
  /** Seed of the 16-byte trace id (spans with the same seed share a trace). */
  trace: number
  root: boolean
  /** start_time_unix_nano. */
  startNs: bigint
}

const tag = (w: protobuf.Writer, field: number, wire: number): protobuf.Writer => w.uint32((field << 3) | wire)

/** A 16-byte trace id derived from a seed (non-zero, distinct per seed). */
export function traceId(seed: number): Uint8Array {
  const b = Buffer.alloc(16)
  b.writeUInt32LE((seed * 2654435761) >>> 0, 0)
  b.writeUInt32LE(seed + 1, 4)
  b.writeUInt32LE(0xabcdef01, 8)
  b.writeUInt32LE((seed * 40503) >>> 0, 12)
  return b
}

/**
 * An ExportTraceServiceRequest of one resource (service `svc`) and one scope; with `unknown`, every
 * level also carries fields a newer schema might add (varint, fixed32/64, length-delimited).
 */
export function craftRequest(spans: CraftedSpan[], unknown = false): Uint8Array {
  const extras = (w: protobuf.Writer): void => {
    if (!unknown) return
    tag(w, 99, 0).uint64(123456789)
    tag(w, 98, 5).fixed32(7)
    tag(w, 97, 1).fixed64(9)
    tag(w, 96, 2).bytes(Uint8Array.from([1, 2, 3]))
  }
  const w = protobuf.Writer.create()
  extras(w)
  tag(w, 1, 2).fork() // resource_spans
  tag(w, 1, 2).fork() // resource
  tag(w, 1, 2).fork() // attributes[0]
  tag(w, 1, 2).string('service.name')
  tag(w, 2, 2).fork()
  tag(w, 1, 2).string('svc')
  w.ldelim().ldelim()
  extras(w)
  w.ldelim()
  extras(w)
  tag(w, 2, 2).fork() // scope_spans
  extras(w)
  spans.forEach((s, i) => {
    tag(w, 2, 2).fork() // spans
    extras(w)
    tag(w, 1, 2).bytes(traceId(s.trace))
    tag(w, 2, 2).bytes(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, i & 0xff || 1]))
    if (!s.root) tag(w, 4, 2).bytes(Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]))
    tag(w, 5, 2).string(`span-${i}`)
    tag(w, 7, 1).fixed64(s.startNs.toString())
    tag(w, 8, 1).fixed64((s.startNs + 1000n).toString())
    extras(w)
    w.ldelim()
  })
  w.ldelim()
  w.ldelim()
  return w.finish()
}
