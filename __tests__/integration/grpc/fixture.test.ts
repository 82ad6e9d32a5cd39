/**
 * fixtures/grpc-service end to end: the real OTel Node SDK with GrpcInstrumentation exports over
 * OTLP/gRPC (OTEL_EXPORTER_OTLP_PROTOCOL=grpc, as Go and Java SDKs do by default) to the embedded
 * gRPC receiver; tracing off exports nothing; the knobs behave as documented.
 */
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import { loadGrpcTarget, probeGrpc, waitGrpcReady } from '../../../src/load/grpc.js'
import { killGroup, startGrpcFixture, stopGrpcFixture, USER_PROTO, type GrpcFixture } from '../../helpers/grpc.js'

const target = loadGrpcTarget({
  protoPath: USER_PROTO,
  method: 'user.UserService/GetUser',
  request: { user_id: '123' }
})

let receiver: OtlpReceiver
beforeAll(async () => {
  receiver = await startOtlpReceiver({ protocol: 'grpc' })
})
afterAll(async () => {
  await receiver.close()
})

/** Boots the fixture, makes `calls` GetUser calls (all must be OK), stops it; returns what the receiver counted. */
async function round(
  env: Record<string, string>,
  calls: number
): Promise<{ counts: ReturnType<OtlpReceiver['snapshot']>; exit: number | string; stdout: string }> {
  receiver.reset()
  let f: GrpcFixture | undefined
  try {
    f = await startGrpcFixture({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'grpc-fixture',
      ...env
    })
    for (let i = 0; i < calls; i++) {
      const r = await probeGrpc(f.address, target, 5000)
      expect(r).toEqual({ ok: true, detail: 'OK' })
    }
    const exit = await stopGrpcFixture(f)
    return { counts: receiver.snapshot(), exit, stdout: f.stdout() }
  } finally {
    killGroup(f)
  }
}

test('traced at ratio 1 over OTLP/gRPC: 2 spans per call (gRPC server span + users.build), flushed on SIGTERM', async () => {
  const r = await round({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_SAMPLER: 'parentbased_always_on' }, 20)
  expect(r.exit).toBe(0)
  expect(r.stdout).toContain('(tracing on)')
  expect(r.counts).toMatchObject({ spans: 40, rejected: 0, serviceNames: ['grpc-fixture'] })
  expect(r.counts.requests).toBeGreaterThanOrEqual(1)
  expect(r.counts.bytes).toBeGreaterThan(0)
})

test('tracing off (OTEL_SDK_DISABLED=true): no span, no export', async () => {
  const r = await round({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 10)
  expect(r.exit).toBe(0)
  expect(r.stdout).toContain('(tracing off)')
  expect(r.counts).toMatchObject({ spans: 0, requests: 0 })
})

test('an http/protobuf exporter does not reach the gRPC receiver (the protocols are not interchangeable)', async () => {
  const r = await round(
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
    5
  )
  expect(r.counts.spans).toBe(0)
})

test('FIXTURE_FAULT=grpc-internal answers INTERNAL; never-ready answers UNAVAILABLE so readiness times out', async () => {
  let f: GrpcFixture | undefined
  try {
    f = await startGrpcFixture({ OTEL_SDK_DISABLED: 'true', FIXTURE_FAULT: 'grpc-internal' })
    expect(await probeGrpc(f.address, target, 5000)).toEqual({
      ok: false,
      detail: 'INTERNAL: FIXTURE_FAULT=grpc-internal'
    })
    expect(f.stdout()).toContain('FIXTURE_FAULT=grpc-internal')
    await stopGrpcFixture(f)
    f = await startGrpcFixture({ OTEL_SDK_DISABLED: 'true', FIXTURE_FAULT: 'never-ready' })
    await expect(waitGrpcReady({ address: f.address, target, timeoutMs: 700 })).rejects.toThrow(
      /did not answer OK within 700 ms \(last: UNAVAILABLE: not ready/
    )
    await stopGrpcFixture(f)
  } finally {
    killGroup(f)
  }
})

test('a bad knob value exits 2 quoting it', async () => {
  await expect(startGrpcFixture({ OTEL_SDK_DISABLED: 'true', FIXTURE_EXTRA_CPU_US: '1.5' })).rejects.toThrow(
    /exited \(2\).*FIXTURE_EXTRA_CPU_US must be a non-negative integer \(microseconds\), got '1.5'/s
  )
})
