import { Agent, request } from 'node:http'
import { gzipSync } from 'node:zlib'
import { tracing, resources } from '@opentelemetry/sdk-node'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { otlpTypes } from '../../../src/otlp/decode.js'
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import { SAMPLE, exportPlainAndGzipped, handEncodeRequest, jsonRequest } from '../../helpers/otlp.js'

const PB = 'application/x-protobuf'
const JSON_CT = 'application/json'

let receiver: OtlpReceiver
const logs: string[] = []

beforeEach(async () => {
  logs.length = 0
  receiver = await startOtlpReceiver({ log: (m) => logs.push(m) })
})
afterEach(async () => {
  await receiver.close()
})

async function post(
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string>
): Promise<{ status: number; type: string | null; body: Buffer; headers: Headers }> {
  const res = await fetch(`${receiver.endpoint}${path}`, { method: 'POST', body, headers })
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: Buffer.from(await res.arrayBuffer()),
    headers: res.headers
  }
}

test('endpoint is a loopback base URL for OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  expect(receiver.endpoint).toBe(`http://127.0.0.1:${receiver.port}`)
  expect(receiver.port).toBeGreaterThan(0)
  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, bytes: 0, rejected: 0, serviceNames: [] })
})

test('protobuf export: 200 with an empty ExportTraceServiceResponse, counted', async () => {
  const body = handEncodeRequest(SAMPLE)
  const res = await post('/v1/traces', body, { 'Content-Type': PB })
  expect(res.status).toBe(200)
  expect(res.type).toBe(PB)
  expect(res.body.length).toBe(0)
  await post('/v1/traces', body, { 'Content-Type': PB })
  expect(receiver.snapshot()).toMatchObject({
    spans: 10,
    requests: 2,
    bytes: 2 * body.length,
    rejected: 0,
    serviceNames: ['alpha', 'beta']
  })
})

test('JSON export: 200 with {} as application/json, counted', async () => {
  const text = JSON.stringify(jsonRequest(SAMPLE))
  const res = await post('/v1/traces', text, { 'Content-Type': 'application/json; charset=utf-8' })
  expect(res.status).toBe(200)
  expect(res.type).toBe(JSON_CT)
  expect(JSON.parse(res.body.toString())).toEqual({})
  expect(receiver.snapshot()).toMatchObject({ spans: 5, requests: 1, bytes: Buffer.byteLength(text), rejected: 0 })
})

test('gzip export: bytes are counted as sent (compressed)', async () => {
  const gz = gzipSync(handEncodeRequest(SAMPLE))
  const res = await post('/v1/traces', gz, { 'Content-Type': PB, 'Content-Encoding': 'gzip' })
  expect(res.status).toBe(200)
  expect(receiver.snapshot()).toMatchObject({ spans: 5, requests: 1, bytes: gz.length, rejected: 0 })
})

test('undecodable bodies: 400 with a google.rpc.Status in the request format, counted as rejected', async () => {
  const pb = await post('/v1/traces', Uint8Array.from([0x0a, 0x10, 0x01]), { 'Content-Type': PB })
  expect(pb.status).toBe(400)
  expect(pb.type).toBe(PB)
  const status = otlpTypes.RpcStatus.toObject(otlpTypes.RpcStatus.decode(pb.body)) as { code: number; message: string }
  expect(status.code).toBe(3)
  expect(status.message).toContain('not a protobuf ExportTraceServiceRequest (3 bytes)')

  const js = await post('/v1/traces', '[1,2]', { 'Content-Type': JSON_CT })
  expect(js.status).toBe(400)
  expect(js.type).toBe(JSON_CT)
  expect(JSON.parse(js.body.toString())).toEqual({
    code: 3,
    message: 'OTLP/JSON: the body must be an object, got an array'
  })

  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, bytes: 0, rejected: 2, serviceNames: [] })
  expect(logs.join('\n')).toMatch(/400 rejected a 3-byte protobuf export/)
})

test('other content types: 415 (counted as rejected on /v1/traces)', async () => {
  const res = await post('/v1/traces', 'hello', { 'Content-Type': 'text/plain' })
  expect(res.status).toBe(415)
  expect(JSON.parse(res.body.toString()).message).toContain("unsupported Content-Type 'text/plain'")
  const enc = await post('/v1/traces', 'hello', { 'Content-Type': PB, 'Content-Encoding': 'br' })
  expect(enc.status).toBe(415)
  expect(receiver.snapshot()).toMatchObject({ requests: 0, rejected: 2 })
})

test('non-POST: 405 with Allow; other paths: 404', async () => {
  const get = await fetch(`${receiver.endpoint}/v1/traces`)
  expect(get.status).toBe(405)
  expect(get.headers.get('allow')).toBe('POST')
  expect((await fetch(`${receiver.endpoint}/v1/spans`, { method: 'POST', body: 'x' })).status).toBe(404)
  expect((await fetch(`${receiver.endpoint}/`)).status).toBe(404)
  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, bytes: 0, rejected: 0, serviceNames: [] })
})

test('metrics and logs are acknowledged but not counted', async () => {
  const m = await post('/v1/metrics', Uint8Array.from([1, 2, 3]), { 'Content-Type': PB })
  expect(m.status).toBe(200)
  expect(m.type).toBe(PB)
  const l = await post('/v1/logs', '{"resourceLogs":[]}', { 'Content-Type': JSON_CT })
  expect(l.status).toBe(200)
  expect(JSON.parse(l.body.toString())).toEqual({})
  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, bytes: 0, rejected: 0, serviceNames: [] })
})

test('bodies over the limit: 413, counted as rejected', async () => {
  const small = await startOtlpReceiver({ maxBodyBytes: 1024 })
  try {
    const res = await fetch(`${small.endpoint}/v1/traces`, {
      method: 'POST',
      body: Buffer.alloc(4096),
      headers: { 'Content-Type': PB }
    })
    expect(res.status).toBe(413)
    // A gzip body that is small on the wire but inflates past the limit.
    const bomb = gzipSync(Buffer.alloc(64 * 1024))
    const res2 = await fetch(`${small.endpoint}/v1/traces`, {
      method: 'POST',
      body: bomb,
      headers: { 'Content-Type': PB, 'Content-Encoding': 'gzip' }
    })
    expect(res2.status).toBe(413)
    // Chunked (no Content-Length): the limit is enforced while streaming.
    const status3 = await new Promise<number>((resolve, reject) => {
      const req = request(`${small.endpoint}/v1/traces`, { method: 'POST', headers: { 'Content-Type': PB } }, (r) => {
        r.resume()
        resolve(r.statusCode ?? 0)
      })
      req.on('error', reject)
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(512))
      req.end()
    })
    expect(status3).toBe(413)
    expect(small.snapshot()).toMatchObject({ requests: 0, rejected: 3 })
  } finally {
    await small.close()
  }
})

test('reset() zeroes the counts and forgets service names', async () => {
  await post('/v1/traces', handEncodeRequest(SAMPLE), { 'Content-Type': PB })
  await post('/v1/traces', 'nope', { 'Content-Type': JSON_CT })
  expect(receiver.snapshot()).toMatchObject({ spans: 5, requests: 1, rejected: 1 })
  receiver.reset()
  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, bytes: 0, rejected: 0, serviceNames: [] })
  await post('/v1/traces', handEncodeRequest([{ service: 'gamma', scopes: [{ name: 's', spans: [{ name: 'x' }] }] }]), {
    'Content-Type': PB
  })
  expect(receiver.snapshot()).toMatchObject({ spans: 1, requests: 1, serviceNames: ['gamma'] })
})

test('close() does not wait for keep-alive or in-flight connections', async () => {
  const r = await startOtlpReceiver()
  const agent = new Agent({ keepAlive: true })
  let stuck: ReturnType<typeof request> | undefined
  const within = <T>(p: Promise<T>, what: string): Promise<T | string> =>
    Promise.race([
      p,
      new Promise<string>((resolve) => setTimeout(() => resolve(`${what} still pending after 5 s`), 5000).unref())
    ])
  try {
    // An idle keep-alive socket (Node >= 19 closes those in server.close() by itself)…
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${r.endpoint}/v1/traces`,
        { method: 'POST', agent, headers: { 'Content-Type': PB } },
        (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        }
      )
      req.on('error', reject)
      req.end(handEncodeRequest(SAMPLE))
    })
    expect(status).toBe(200)
    // …and a request stuck mid-body, which server.close() alone would wait for (requestTimeout: 300 s).
    stuck = request(`${r.endpoint}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': PB, 'Content-Length': '1000' }
    })
    const stuckOutcome = new Promise<string>((resolve) => {
      stuck!.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
      stuck!.on('response', (res) => resolve(`response ${res.statusCode}`))
    })
    stuck.flushHeaders()
    stuck.write(Buffer.alloc(10))
    // A full request on another connection to the same server: once it is answered, the server has
    // accepted the stuck connection too (same event loop, earlier connection).
    const probe = await fetch(`${r.endpoint}/v1/metrics`, {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': JSON_CT }
    })
    expect(probe.status).toBe(200)

    expect(
      await within(
        r.close().then(() => 'closed'),
        'close()'
      )
    ).toBe('closed')
    expect(await within(stuckOutcome, 'the stuck request')).toMatch(/ECONNRESET|socket hang up/)
    await expect(r.close()).resolves.toBeUndefined() // idempotent
  } finally {
    stuck?.destroy()
    agent.destroy()
  }
})

test('a real OTel OTLP/proto exporter (in process) is counted, plain and gzip', async () => {
  const memory = new tracing.InMemorySpanExporter()
  const provider = new tracing.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'in-process' }),
    spanProcessors: [new tracing.SimpleSpanProcessor(memory)]
  })
  const tracer = provider.getTracer('receiver-test')
  for (let i = 0; i < 7; i++) {
    tracer.startActiveSpan(`parent-${i}`, (parent) => {
      tracer.startSpan(`child-${i}`, { attributes: { i, ok: true, tags: ['a', 'b'] } }).end()
      parent.addEvent('done', { n: i })
      parent.end()
    })
  }
  const spans = memory.getFinishedSpans()
  expect(spans).toHaveLength(14)

  // `compression` is typed as otlp-exporter-base's enum, whose value is the string 'gzip'.
  await exportPlainAndGzipped(
    spans,
    (compression) => new OTLPTraceExporter({ url: `${receiver.endpoint}/v1/traces`, compression: compression as never })
  )
  await provider.shutdown()
  const snap = receiver.snapshot()
  expect(snap).toMatchObject({ spans: 28, requests: 2, rejected: 0, serviceNames: ['in-process'] })
  expect(snap.bytes).toBeGreaterThan(0)
})
