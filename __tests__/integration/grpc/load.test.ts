import * as http2 from 'node:http2'
import * as grpc from '@grpc/grpc-js'
import { freePort } from '../../helpers/grpc.js'
import { loadGrpcTarget, runGrpcLoad } from '../../../src/load/grpc.js'
import { killGroup, startGrpcFixture, stopGrpcFixture, USER_PROTO, type GrpcFixture } from '../../helpers/grpc.js'

const target = loadGrpcTarget({
  protoPath: USER_PROTO,
  method: 'user.UserService/GetUser',
  request: { user_id: '123' }
})
const options = { connections: 20, warmupSec: 0.3, durationSec: 1, timeoutSec: 5 }

test('closed loop against the fixture: OK answers, QPS, µs latencies, warm-up reported separately, progress', async () => {
  let f: GrpcFixture | undefined
  try {
    f = await startGrpcFixture({ OTEL_SDK_DISABLED: 'true' })
    const progress: number[] = []
    let measureStarts = 0
    const r = await runGrpcLoad({
      address: f.address,
      target,
      ...options,
      durationSec: 2.2,
      onProgress: (p) => progress.push(p.ok),
      onMeasureStart: () => measureStarts++
    })
    expect(r.ok).toBeGreaterThan(100)
    expect(r.responses).toBe(r.ok)
    expect(r).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0, errorRate: 0, statuses: { OK: r.ok } })
    expect(r.firstError).toBeUndefined()
    expect(r.durationSec).toBeGreaterThanOrEqual(2.2)
    expect(r.qps).toBeCloseTo(r.ok / r.durationSec, 6)
    // Microsecond resolution: not whole milliseconds.
    expect(r.latency.count).toBe(r.ok)
    expect(r.latency.p50Us).toBeGreaterThan(0)
    expect(r.latency.p99Us).toBeGreaterThanOrEqual(r.latency.p50Us)
    expect([r.latency.p50Us, r.latency.p90Us, r.latency.p99Us].some((us) => us % 1000 !== 0)).toBe(true)
    expect(r.warmup.ok).toBeGreaterThan(0)
    expect(r.warmup.durationSec).toBeGreaterThanOrEqual(0.3)
    expect(measureStarts).toBe(1)
    // 2.2 s: two whole seconds and a partial one; every OK answer of the window in one of them.
    expect(r.okPerSecond).toHaveLength(3)
    expect((r.okPerSecond as number[]).reduce((a, b) => a + b, 0)).toBe(r.ok)
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
  } finally {
    if (f) await stopGrpcFixture(f).catch(() => undefined)
    killGroup(f)
  }
})

test('non-OK statuses count as non2xx (FIXTURE_FAULT=grpc-internal): no OK, error rate 1, status named', async () => {
  let f: GrpcFixture | undefined
  try {
    f = await startGrpcFixture({ OTEL_SDK_DISABLED: 'true', FIXTURE_FAULT: 'grpc-internal' })
    const r = await runGrpcLoad({ address: f.address, target, ...options, warmupSec: 0 })
    expect(r.ok).toBe(0)
    expect(r.non2xx).toBeGreaterThan(0)
    expect(r).toMatchObject({
      responses: r.non2xx,
      errors: 0,
      timeouts: 0,
      errorRate: 1,
      qps: 0,
      statuses: { INTERNAL: r.non2xx }
    })
    expect(r.firstError).toBe('INTERNAL: FIXTURE_FAULT=grpc-internal')
    expect(r.latency.count).toBe(0)
    expect(r.latency.p99Us).toBeNaN()
  } finally {
    if (f) await stopGrpcFixture(f).catch(() => undefined)
    killGroup(f)
  }
})

test('nothing listening: transport errors (UNAVAILABLE), and the phase still ends on time', async () => {
  const port = await freePort()
  const r = await runGrpcLoad({
    address: `127.0.0.1:${port}`,
    target,
    connections: 5,
    warmupSec: 0,
    durationSec: 0.5,
    timeoutSec: 2
  })
  expect(r.ok).toBe(0)
  expect(r.errors).toBeGreaterThan(0)
  expect(r).toMatchObject({ non2xx: 0, responses: 0, errorRate: 1, statuses: { UNAVAILABLE: r.errors } })
  expect(r.durationSec).toBeLessThan(5)
})

test('a deadline shorter than the call counts as a timeout (FIXTURE_EXTRA_CPU_US makes each call slow)', async () => {
  let f: GrpcFixture | undefined
  try {
    // 300 ms of CPU per call on a single-threaded server: with 4 calls in flight most wait > 0.25 s.
    f = await startGrpcFixture({ OTEL_SDK_DISABLED: 'true', FIXTURE_EXTRA_CPU_US: '300000' })
    const r = await runGrpcLoad({
      address: f.address,
      target,
      connections: 4,
      warmupSec: 0,
      durationSec: 1.5,
      timeoutSec: 0.25
    })
    expect(r.timeouts).toBeGreaterThan(0)
    expect(r.statuses['DEADLINE_EXCEEDED']).toBe(r.timeouts)
    expect(r.errorRate).toBeGreaterThan(0)
  } finally {
    if (f) await stopGrpcFixture(f).catch(() => undefined)
    killGroup(f)
  }
})

test('invalid options are rejected with the value quoted', async () => {
  await expect(runGrpcLoad({ address: 'http://127.0.0.1:1', target, ...options })).rejects.toThrow(
    "gRPC load address must be host:port (e.g. 127.0.0.1:50051), got 'http://127.0.0.1:1'"
  )
  await expect(runGrpcLoad({ address: '127.0.0.1:1', target, ...options, connections: 0 })).rejects.toThrow(
    "load connections must be a positive integer, got '0'"
  )
  await expect(runGrpcLoad({ address: '127.0.0.1:1', target, ...options, channels: 0 })).rejects.toThrow(
    "gRPC channels must be a positive integer, got '0'"
  )
})

/** An in-process grpc-js server for user.UserService/GetUser with raw-bytes handlers. */
async function inProcessServer(
  handler: grpc.handleUnaryCall<Buffer, Buffer>
): Promise<{ address: string; close: () => void }> {
  const server = new grpc.Server()
  const identity = (b: Buffer): Buffer => b
  server.addService(
    {
      GetUser: {
        path: '/user.UserService/GetUser',
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity
      }
    },
    { GetUser: handler }
  )
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)))
  )
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() }
}

test('the wire request is what grpc-js servers expect: the encoded message, metadata and a deadline; large answers flow', async () => {
  const withMetadata = loadGrpcTarget({
    protoPath: USER_PROTO,
    method: 'user.UserService/GetUser',
    request: { user_id: '123' },
    metadata: { 'x-tenant': 'acme', 'trace-bin': 'AQI=' }
  })
  const seen = { calls: 0, badRequest: 0, badMetadata: 0, noDeadline: 0 }
  // 200 KiB answers: beyond HTTP/2's default 64 KiB windows, so the load's flow control is exercised.
  const big = Buffer.alloc(200 * 1024, 7)
  const srv = await inProcessServer((call, callback) => {
    seen.calls++
    if (!call.request.equals(withMetadata.requestBytes)) seen.badRequest++
    const tenant = call.metadata.get('x-tenant')
    const bin = call.metadata.get('trace-bin')
    if (
      tenant.length !== 1 ||
      tenant[0] !== 'acme' ||
      bin.length !== 1 ||
      !Buffer.isBuffer(bin[0]) ||
      !(bin[0] as Buffer).equals(Buffer.from([1, 2]))
    )
      seen.badMetadata++
    if (!Number.isFinite(Number(call.getDeadline()))) seen.noDeadline++
    callback(null, big)
  })
  try {
    const r = await runGrpcLoad({
      address: srv.address,
      target: withMetadata,
      connections: 16,
      warmupSec: 0,
      durationSec: 0.8,
      timeoutSec: 5
    })
    expect(r.ok).toBeGreaterThan(0)
    expect(r).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 })
    expect(seen.calls).toBeGreaterThanOrEqual(r.ok)
    expect(seen).toMatchObject({ badRequest: 0, badMetadata: 0, noDeadline: 0 })
  } finally {
    srv.close()
  }
})

test('status details and codes come from the trailers (percent-decoded message)', async () => {
  const srv = await inProcessServer((_call, callback) =>
    callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'quota 100% used' })
  )
  try {
    const r = await runGrpcLoad({
      address: srv.address,
      target,
      connections: 4,
      warmupSec: 0,
      durationSec: 0.3,
      timeoutSec: 5
    })
    expect(r.non2xx).toBeGreaterThan(0)
    expect(r.statuses).toEqual({ RESOURCE_EXHAUSTED: r.non2xx })
    expect(r.firstError).toBe('RESOURCE_EXHAUSTED: quota 100% used')
  } finally {
    srv.close()
  }
})

test('an HTTP/2 server that is not gRPC: HTTP 503 maps to UNAVAILABLE (errors), 404 to UNIMPLEMENTED (non2xx)', async () => {
  let status = 503
  const server = http2.createServer((req, res) => {
    req.resume()
    res.writeHead(status)
    res.end('nope')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = `127.0.0.1:${(server.address() as { port: number }).port}`
  try {
    const a = await runGrpcLoad({ address, target, connections: 2, warmupSec: 0, durationSec: 0.3, timeoutSec: 5 })
    expect(a).toMatchObject({ ok: 0, non2xx: 0, statuses: { UNAVAILABLE: a.errors } })
    expect(a.firstError).toBe('UNAVAILABLE: HTTP 503 without grpc-status')
    status = 404
    const b = await runGrpcLoad({ address, target, connections: 2, warmupSec: 0, durationSec: 0.3, timeoutSec: 5 })
    expect(b).toMatchObject({ ok: 0, errors: 0, statuses: { UNIMPLEMENTED: b.non2xx } })
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
})

test('a service that dies mid-round (FIXTURE_FAULT=crash-after) turns into errors, and the round still ends', async () => {
  let f: GrpcFixture | undefined
  try {
    f = await startGrpcFixture({ OTEL_SDK_DISABLED: 'true', FIXTURE_FAULT: 'crash-after=400' })
    const r = await runGrpcLoad({
      address: f.address,
      target,
      connections: 8,
      warmupSec: 0,
      durationSec: 1.2,
      timeoutSec: 5
    })
    expect(r.ok).toBeGreaterThan(0)
    expect(r.errors).toBeGreaterThan(0)
    expect(r.durationSec).toBeLessThan(5)
  } finally {
    killGroup(f)
  }
})
