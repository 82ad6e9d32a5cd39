import * as grpc from '@grpc/grpc-js'
import { tracing, resources } from '@opentelemetry/sdk-node'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { otlpTypes } from '../../../src/otlp/decode.js'
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import { TRACE_EXPORT_PATH } from '../../../src/otlp/grpc-receiver.js'
import { exportPlainAndGzipped } from '../../helpers/otlp.js'

let receiver: OtlpReceiver

beforeEach(async () => {
  receiver = await startOtlpReceiver({ protocol: 'grpc', port: 0 })
})
afterEach(async () => {
  await receiver.close()
})

const identity = (b: Buffer): Buffer => b

/** One unary call with raw bytes on a fresh channel; resolves with the status code and the answer. */
async function rawCall(path: string, body: Buffer): Promise<{ code: number; details: string; response?: Buffer }> {
  const client = new grpc.Client(`127.0.0.1:${receiver.port}`, grpc.credentials.createInsecure())
  try {
    return await new Promise((resolve) => {
      client.makeUnaryRequest<Buffer, Buffer>(
        path,
        identity,
        identity,
        body,
        new grpc.Metadata(),
        { deadline: Date.now() + 5000 },
        (err, response) => {
          if (err) resolve({ code: err.code, details: err.details })
          else resolve({ code: grpc.status.OK, details: '', response })
        }
      )
    })
  } finally {
    client.close()
  }
}

function exportRequest(spans: number, service: string): Buffer {
  const T = otlpTypes.ExportTraceServiceRequest
  const msg = T.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 's' },
            spans: Array.from({ length: spans }, (_, i) => ({
              name: `span-${i}`,
              traceId: Buffer.alloc(16, 1),
              spanId: Buffer.alloc(8, i + 1)
            }))
          }
        ]
      }
    ]
  })
  return Buffer.from(T.encode(msg).finish())
}

test('listens on loopback with an http:// endpoint (plaintext gRPC) on a free port', () => {
  expect(receiver.port).toBeGreaterThan(0)
  expect(receiver.endpoint).toBe(`http://127.0.0.1:${receiver.port}`)
})

test('counts spans, requests and message bytes of raw Export calls; reset zeroes them', async () => {
  const a = exportRequest(3, 'svc-a')
  const b = exportRequest(5, 'svc-b')
  const ra = await rawCall(TRACE_EXPORT_PATH, a)
  expect(ra.code).toBe(grpc.status.OK)
  // An empty ExportTraceServiceResponse: full success, no partial_success.
  expect(otlpTypes.ExportTraceServiceResponse.decode(ra.response!).toJSON()).toEqual({})
  expect((await rawCall(TRACE_EXPORT_PATH, b)).code).toBe(grpc.status.OK)
  expect(receiver.snapshot()).toMatchObject({
    spans: 8,
    requests: 2,
    bytes: a.length + b.length,
    rejected: 0,
    serviceNames: ['svc-a', 'svc-b']
  })
  receiver.reset()
  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, bytes: 0, rejected: 0, serviceNames: [] })
})

test('an undecodable message is INVALID_ARGUMENT and counted as rejected, not as spans', async () => {
  const r = await rawCall(TRACE_EXPORT_PATH, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]))
  expect(r.code).toBe(grpc.status.INVALID_ARGUMENT)
  expect(r.details).toMatch(/not a protobuf ExportTraceServiceRequest/)
  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, rejected: 1 })
})

test('metrics and logs exports are acknowledged but not counted; unknown methods are UNIMPLEMENTED', async () => {
  for (const path of [
    '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    '/opentelemetry.proto.collector.logs.v1.LogsService/Export'
  ]) {
    expect((await rawCall(path, exportRequest(2, 'x'))).code).toBe(grpc.status.OK)
  }
  expect((await rawCall('/opentelemetry.proto.collector.trace.v1.TraceService/Nope', Buffer.alloc(0))).code).toBe(
    grpc.status.UNIMPLEMENTED
  )
  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, rejected: 0 })
})

test('the real OTel OTLP/gRPC exporter (in process) delivers every span, plain and gzip', async () => {
  const memory = new tracing.InMemorySpanExporter()
  const provider = new tracing.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'in-process-grpc' }),
    spanProcessors: [new tracing.SimpleSpanProcessor(memory)]
  })
  const tracer = provider.getTracer('grpc-receiver-test')
  for (let i = 0; i < 6; i++) {
    tracer.startActiveSpan(`parent-${i}`, (parent) => {
      tracer.startSpan(`child-${i}`, { attributes: { i } }).end()
      parent.end()
    })
  }
  const spans = memory.getFinishedSpans()
  expect(spans).toHaveLength(12)
  // As the Go and Java SDKs are configured: OTEL_EXPORTER_OTLP_ENDPOINT=http://host:port, no path.
  await exportPlainAndGzipped(
    spans,
    (compression) => new OTLPTraceExporter({ url: receiver.endpoint, compression: compression as never })
  )
  await provider.shutdown()
  const snap = receiver.snapshot()
  expect(snap).toMatchObject({ spans: 24, requests: 2, rejected: 0, serviceNames: ['in-process-grpc'] })
  expect(snap.bytes).toBeGreaterThan(0)
})

test('close() finishes while a client keeps its channel open, and is idempotent', async () => {
  const client = new grpc.Client(`127.0.0.1:${receiver.port}`, grpc.credentials.createInsecure())
  try {
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + 5000, (e) => (e ? reject(e) : resolve()))
    )
    let timer: NodeJS.Timeout | undefined
    const outcome = await Promise.race([
      receiver.close().then(() => 'closed'),
      new Promise((r) => (timer = setTimeout(() => r('still open after 5 s'), 5000)))
    ])
    clearTimeout(timer)
    expect(outcome).toBe('closed')
    await expect(receiver.close()).resolves.toBeUndefined()
  } finally {
    client.close()
  }
})
