/**
 * Real OTel SDK exports (in process: BasicTracerProvider → OTLP proto / gRPC exporters) against the
 * wire walker and the receivers' window accounting.
 */
import { createServer, type Server } from 'node:http'
import { context, trace } from '@opentelemetry/api'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { tracing, resources } from '@opentelemetry/sdk-node'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { SpanBatch } from '../../../src/otlp/batch.js'
import { decodeTracesProtobuf } from '../../../src/otlp/decode.js'
import { startOtlpReceiver } from '../../../src/otlp/receiver.js'
import { walkTracesProtobuf } from '../../../src/otlp/walk.js'
import { batchFacts, referenceFacts } from '../../unit/otlp/reference.js'

const TRACES = 40
const SKEW_MS = 50

/** Busy-waits `ms` (the spans must be made synchronously, before the exporter runs). */
function spin(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // wait
  }
}

/**
 * Spans of the SDK: one span long before the window, then TRACES traces of root + 2 children + 1
 * grandchild. The SDK stamps spans with performance.timeOrigin + performance.now(), which in a
 * long-lived process (this jest worker) drifts some milliseconds from Date.now(): the spans are made
 * SKEW_MS inside [t0, t1] so that the drift cannot move them out.
 */
function makeSpans(): { spans: tracing.ReadableSpan[]; t0: number; t1: number } {
  const memory = new tracing.InMemorySpanExporter()
  const provider = new tracing.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'sdk-accounting' }),
    spanProcessors: [new tracing.SimpleSpanProcessor(memory)]
  })
  const tracer = provider.getTracer('sdk-accounting-test')
  tracer.startSpan('stale', { startTime: Date.now() - 60_000 }).end()
  const t0 = Date.now()
  spin(SKEW_MS)
  // No context manager is registered: parents are passed explicitly.
  for (let i = 0; i < TRACES; i++) {
    const root = tracer.startSpan(`GET /api/${i}`)
    const rootCtx = trace.setSpan(context.active(), root)
    const a = tracer.startSpan('child-a', {}, rootCtx)
    tracer.startSpan('grandchild', { attributes: { i, tags: ['x', 'y'] } }, trace.setSpan(rootCtx, a)).end()
    a.end()
    tracer.startSpan('child-b', {}, rootCtx).end()
    root.addEvent('done', { n: i })
    root.end()
  }
  spin(SKEW_MS)
  const t1 = Date.now()
  return { spans: memory.getFinishedSpans(), t0, t1 }
}

async function exportAll(
  exporter: { export: tracing.SpanExporter['export']; shutdown(): Promise<void> },
  spans: tracing.ReadableSpan[]
): Promise<void> {
  try {
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve))
    expect(result.error).toBeUndefined()
    expect(result.code).toBe(0)
  } finally {
    await exporter.shutdown()
  }
}

test('the walker reads real SDK payloads exactly as the object decoder does (plain and gzip)', async () => {
  const bodies: Buffer[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      bodies.push(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body)
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': '0' })
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { spans } = makeSpans()
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`
    for (const compression of ['none', 'gzip'])
      await exportAll(new ProtoExporter({ url, compression: compression as never }), spans)
  } finally {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  expect(bodies).toHaveLength(2)
  for (const body of bodies) {
    const batch = new SpanBatch()
    expect(walkTracesProtobuf(body, batch)).toEqual(decodeTracesProtobuf(body, 'full'))
    const facts = batchFacts(batch)
    const reference = referenceFacts(body)
    expect(facts.map(({ startMs: _, ...f }) => f)).toEqual(reference.map(({ startMs: _, ...f }) => f))
    facts.forEach((f, i) => expect(Math.abs(f.startMs - reference[i]!.startMs)).toBeLessThanOrEqual(0.002))
    expect(facts).toHaveLength(1 + 4 * TRACES)
    expect(facts.filter((f) => f.root)).toHaveLength(1 + TRACES)
  }
})

test.each(['http', 'grpc'] as const)(
  'OTLP/%s receiver: windowCounts counts the traces started in the window, not the stale span',
  async (protocol) => {
    const receiver = await startOtlpReceiver({ protocol })
    try {
      const { spans, t0, t1 } = makeSpans()
      const exporter =
        protocol === 'grpc'
          ? new GrpcExporter({ url: receiver.endpoint })
          : new ProtoExporter({ url: `${receiver.endpoint}/v1/traces` })
      await exportAll(exporter, spans)
      const snap = receiver.snapshot()
      expect(snap).toMatchObject({
        spans: 1 + 4 * TRACES,
        roots: 1 + TRACES,
        requests: 1,
        rejected: 0,
        serviceNames: ['sdk-accounting']
      })
      expect(snap.cpuSeconds).toBeGreaterThanOrEqual(0)
      expect(receiver.windowCounts(t0, t1)).toEqual({
        spans: 4 * TRACES,
        roots: TRACES,
        traces: TRACES,
        traceSpans: 4 * TRACES,
        spansPerTrace: 4,
        tracesComplete: true
      })
      expect(receiver.windowCounts(t0 - 120_000, t0 - 1000)).toMatchObject({ spans: 1, roots: 1, traces: 1 })
      receiver.reset()
      expect(receiver.windowCounts(t0, t1)).toMatchObject({ spans: 0, traces: 0 })
    } finally {
      await receiver.close()
    }
  }
)
