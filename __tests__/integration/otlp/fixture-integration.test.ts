/**
 * End to end: the real OTel Node SDK in fixtures/http-service exports to our receiver, configured
 * only through OTEL_* env, exactly as the gate drives a user's service.
 */
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import {
  hammer,
  killGroup,
  spawnFixture,
  stopFixture,
  waitForHealthy,
  type Fixture
} from '../helpers/fixture-process.js'

const REQUESTS = 50
let receiver: OtlpReceiver
const receiverLog: string[] = []

beforeAll(async () => {
  receiver = await startOtlpReceiver({ log: (m) => receiverLog.push(m) })
})
afterAll(async () => {
  await receiver.close()
})
beforeEach(() => {
  receiver.reset()
  receiverLog.length = 0
})

/** Boots the fixture with `env`, sends REQUESTS API calls, SIGTERMs it; returns what happened. */
async function runRound(
  env: Record<string, string>
): Promise<{ statuses: number[]; healthPolls: number; exit: number | string; stdout: string; stderr: string }> {
  let f: Fixture | undefined
  try {
    f = await spawnFixture({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'fixture', ...env })
    const healthPolls = await waitForHealthy(f)
    const statuses = await hammer(f, (i) => `/api/v1/users/${i}`, REQUESTS)
    const exit = await stopFixture(f)
    return { statuses, healthPolls, exit, stdout: f.stdout(), stderr: f.stderr() }
  } finally {
    killGroup(f)
  }
}

test('traced at ratio 1 (http/protobuf): >= 2 spans per request reach the receiver, flushed on SIGTERM', async () => {
  const r = await runRound({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' })
  expect(r.stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+ \(tracing on\)$/m)
  expect(r.statuses).toEqual(Array(REQUESTS).fill(200))
  expect(r.exit).toBe(0)
  const snap = receiver.snapshot()
  // 2 per API request (server + users.build) plus one server span per answered /healthz poll.
  expect(snap.spans).toBeGreaterThanOrEqual(2 * REQUESTS)
  expect(snap.spans).toBeLessThanOrEqual(2 * REQUESTS + r.healthPolls)
  expect(snap.serviceNames).toContain('fixture')
  expect(snap.rejected).toBe(0)
  expect(snap.requests).toBeGreaterThanOrEqual(1)
  expect(snap.bytes).toBeGreaterThan(0)
  expect(receiverLog).toEqual([])
})

test('traced at ratio 1 over http/json: the real JSON exporter is decoded too', async () => {
  const r = await runRound({ OTEL_TRACES_SAMPLER: 'parentbased_always_on', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })
  expect(r.exit).toBe(0)
  const snap = receiver.snapshot()
  expect(snap.spans).toBeGreaterThanOrEqual(2 * REQUESTS)
  expect(snap.serviceNames).toEqual(['fixture'])
  expect(snap.rejected).toBe(0)
})

test('OTEL_SDK_DISABLED=true: tracing off, the service works, no span arrives', async () => {
  const r = await runRound({
    OTEL_SDK_DISABLED: 'true',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '1'
  })
  expect(r.stdout).toMatch(/\(tracing off\)/)
  expect(r.statuses).toEqual(Array(REQUESTS).fill(200))
  expect(r.exit).toBe(0)
  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, bytes: 0, rejected: 0, serviceNames: [] })
})

test('sampling ratio 0: the SDK runs, the service works, no span arrives', async () => {
  const r = await runRound({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' })
  expect(r.stdout).toMatch(/\(tracing on\)/)
  expect(r.statuses).toEqual(Array(REQUESTS).fill(200))
  expect(r.exit).toBe(0)
  expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0, rejected: 0 })
})
