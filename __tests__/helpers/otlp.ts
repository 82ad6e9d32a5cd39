/** Test helpers: OTLP bodies encoded independently of src/otlp's schema (field numbers from trace.proto). */
import { expect } from '@jest/globals'
import protobuf from 'protobufjs'
import type { tracing } from '@opentelemetry/sdk-node'

export interface HandSpan {
  name: string
  kind?: number
}
export interface HandScope {
  name: string
  spans: HandSpan[]
}
export interface HandResource {
  service?: string
  scopes: HandScope[]
}

const LEN = 2
const VARINT = 0
const I64 = 1
const I32 = 5
const tag = (w: protobuf.Writer, field: number, wire: number): protobuf.Writer => w.uint32((field << 3) | wire)

/** 16/8 bytes derived from a seed, so ids are valid (non-zero) and distinct. */
export function id(bytes: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: bytes }, (_, i) => (seed * 31 + i * 7 + 1) & 0xff || 1)
}

function writeSpan(w: protobuf.Writer, span: HandSpan, seed: number): void {
  tag(w, 1, LEN).bytes(id(16, seed)) // trace_id
  tag(w, 2, LEN).bytes(id(8, seed + 1)) // span_id
  tag(w, 4, LEN).bytes(id(8, seed + 2)) // parent_span_id
  tag(w, 5, LEN).string(span.name) // name
  tag(w, 6, VARINT).int32(span.kind ?? 2) // kind
  tag(w, 7, I64).fixed64('1700000000000000000') // start_time_unix_nano
  tag(w, 8, I64).fixed64('1700000000000250000') // end_time_unix_nano
  tag(w, 9, LEN).fork() // attributes[0]
  tag(w, 1, LEN).string('http.response.status_code')
  tag(w, 2, LEN).fork()
  tag(w, 3, VARINT).int64(200) // AnyValue.int_value
  w.ldelim().ldelim()
  tag(w, 10, VARINT).uint32(0) // dropped_attributes_count
  tag(w, 15, LEN).fork() // status
  tag(w, 2, LEN).string('boom') // Status.message
  tag(w, 3, VARINT).int32(2) // Status.code = ERROR
  w.ldelim()
  tag(w, 16, I32).fixed32(0x101) // flags: sampled + has-is-remote
}

/** An ExportTraceServiceRequest written field by field with protobufjs' Writer. */
export function handEncodeRequest(resources: HandResource[]): Uint8Array {
  const w = protobuf.Writer.create()
  let seed = 0
  for (const r of resources) {
    tag(w, 1, LEN).fork() // ExportTraceServiceRequest.resource_spans
    if (r.service !== undefined) {
      tag(w, 1, LEN).fork() // ResourceSpans.resource
      tag(w, 1, LEN).fork() // Resource.attributes[0]
      tag(w, 1, LEN).string('service.name') // KeyValue.key
      tag(w, 2, LEN).fork() // KeyValue.value
      tag(w, 1, LEN).string(r.service) // AnyValue.string_value
      w.ldelim().ldelim().ldelim()
    }
    for (const s of r.scopes) {
      tag(w, 2, LEN).fork() // ResourceSpans.scope_spans
      tag(w, 1, LEN).fork() // ScopeSpans.scope
      tag(w, 1, LEN).string(s.name) // InstrumentationScope.name
      w.ldelim()
      for (const span of s.spans) {
        tag(w, 2, LEN).fork() // ScopeSpans.spans
        writeSpan(w, span, (seed += 3))
        w.ldelim()
      }
      w.ldelim()
    }
    tag(w, 3, LEN).string('https://opentelemetry.io/schemas/1.26.0') // ResourceSpans.schema_url
    w.ldelim()
  }
  return w.finish()
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** The OTLP/JSON equivalent of {@link handEncodeRequest} (camelCase keys, hex ids). */
export function jsonRequest(resources: HandResource[]): Record<string, unknown> {
  let seed = 0
  return {
    resourceSpans: resources.map((r) => ({
      resource:
        r.service === undefined
          ? undefined
          : { attributes: [{ key: 'service.name', value: { stringValue: r.service } }] },
      scopeSpans: r.scopes.map((s) => ({
        scope: { name: s.name },
        spans: s.spans.map((span) => {
          seed += 3
          return {
            traceId: hex(id(16, seed)),
            spanId: hex(id(8, seed + 1)),
            parentSpanId: hex(id(8, seed + 2)),
            name: span.name,
            kind: span.kind ?? 2,
            startTimeUnixNano: '1700000000000000000',
            endTimeUnixNano: '1700000000000250000',
            attributes: [{ key: 'http.response.status_code', value: { intValue: '200' } }],
            status: { code: 2, message: 'boom' }
          }
        })
      }))
    }))
  }
}

/** Two resources (services `alpha`, `beta`), three scopes, five spans. */
export const SAMPLE: HandResource[] = [
  {
    service: 'alpha',
    scopes: [
      { name: '@opentelemetry/instrumentation-http', spans: [{ name: 'GET' }, { name: 'GET' }] },
      { name: 'fixture', spans: [{ name: 'users.build', kind: 1 }] }
    ]
  },
  { service: 'beta', scopes: [{ name: 'fixture', spans: [{ name: 'a' }, { name: 'b' }] }] }
]

/**
 * Export `spans` twice, uncompressed then gzipped, each through a fresh exporter from `exporterFor`
 * (the OTLP/HTTP or OTLP/gRPC SDK exporter); every export must succeed.
 */
export async function exportPlainAndGzipped(
  spans: tracing.ReadableSpan[],
  exporterFor: (compression: 'none' | 'gzip') => tracing.SpanExporter
): Promise<void> {
  for (const compression of ['none', 'gzip'] as const) {
    const exporter = exporterFor(compression)
    try {
      const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve))
      expect(result.error).toBeUndefined()
      expect(result.code).toBe(0) // ExportResultCode.SUCCESS
    } finally {
      await exporter.shutdown()
    }
  }
}
