/**
 * The Go fixtures run directly (no gate): flush on SIGTERM, OTEL_TRACES_EXPORTER=none, the
 * uninstrumented mode, and loud configuration errors. See fixtures/go/README.md.
 */
import { spawnSync } from 'node:child_process'
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import { describeIfFixture, REPO_ROOT } from '../helpers/fixtures.js'
import { exercise } from '../helpers/zero-code.js'

const REQUESTS = 20
const HTTP_FIXTURES = ['gin', 'gozero', 'kratos'] as const
const TRACED = { OTEL_SERVICE_NAME: 'go-direct', OTEL_TRACES_SAMPLER: 'parentbased_always_on' }

/** Runs `bin` with only `env` (plus PATH) until it exits on its own; bounded by 10 s. */
function runToExit(bin: string, env: Record<string, string>): { status: number | null; stderr: string } {
  const r = spawnSync(bin, [], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 10_000 })
  return { status: r.status, stderr: r.stderr }
}

describeIfFixture('go', 'Go fixtures run directly', (paths) => {
  const bin = (name: string): string => {
    const p = paths[name]
    if (typeof p !== 'string') throw new Error(`go.json: expected a path for '${name}', got ${JSON.stringify(paths)}`)
    return p
  }
  let receiver: OtlpReceiver
  beforeAll(async () => {
    receiver = await startOtlpReceiver()
  })
  afterAll(async () => {
    await receiver.close()
  })

  test.each(HTTP_FIXTURES)(
    '%s: traced at 100%%, 2 spans per request reach the receiver, flushed on SIGTERM, exit 0',
    async (name) => {
      // The batch processor's 5 s delay never elapses here: every span arrives only through the flush at shutdown.
      const r = await exercise(receiver, {
        command: bin(name),
        cwd: REPO_ROOT,
        env: TRACED,
        requests: REQUESTS,
        readyTimeoutMs: 10_000
      })
      expect(r.stdout).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+ \(tracing on\)$/m)
      expect(r.statuses).toEqual(Array(REQUESTS).fill(200))
      expect(r.exit).toBe(0)
      // 2 per API request; each answered /healthz poll is one more server span.
      expect(r.otlp.spans).toBeGreaterThanOrEqual(2 * REQUESTS)
      expect(r.otlp.spans).toBeLessThanOrEqual(2 * REQUESTS + r.healthPolls)
      expect(r.otlp).toMatchObject({ rejected: 0, serviceNames: ['go-direct'] })
    }
  )

  test.each(HTTP_FIXTURES)(
    '%s: OTEL_TRACES_EXPORTER=none records but exports nothing; -uninstrumented exports nothing',
    async (name) => {
      const none = await exercise(receiver, {
        command: bin(name),
        cwd: REPO_ROOT,
        env: { ...TRACED, OTEL_TRACES_EXPORTER: 'none' },
        requests: REQUESTS,
        readyTimeoutMs: 10_000
      })
      expect(none.stdout).toMatch(/\(tracing on, exporter none\)/)
      expect({ statuses: none.statuses, exit: none.exit, spans: none.otlp.spans }).toEqual({
        statuses: Array(REQUESTS).fill(200),
        exit: 0,
        spans: 0
      })
      const bare = await exercise(receiver, {
        command: `${bin(name)} -uninstrumented`,
        cwd: REPO_ROOT,
        env: TRACED,
        requests: REQUESTS,
        readyTimeoutMs: 10_000
      })
      expect(bare.stdout).toMatch(/\(tracing off, uninstrumented\)/)
      expect({ statuses: bare.statuses, exit: bare.exit, spans: bare.otlp.spans }).toEqual({
        statuses: Array(REQUESTS).fill(200),
        exit: 0,
        spans: 0
      })
    }
  )

  test('an export that cannot finish makes the SIGTERM exit 1 within the 3 s bound, saying so', async () => {
    const r = await exercise(receiver, {
      command: bin('gin'),
      cwd: REPO_ROOT,
      env: { ...TRACED, FIXTURE_FAULT: 'no-export', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      requests: 5,
      readyTimeoutMs: 10_000
    })
    expect(r.exit).toBe(1)
    expect(r.stderr).toMatch(/shutdown after terminated: (flushing spans failed|did not finish) within 3s/)
    expect(r.otlp.spans).toBe(0)
  })

  test.each(['gin', 'grpc', 'gozero', 'kratos'])('%s: configuration errors exit 2 quoting the value', (name) => {
    expect(runToExit(bin(name), {})).toEqual({ status: 2, stderr: expect.stringContaining('PORT is required') })
    expect(runToExit(bin(name), { PORT: '70000' })).toEqual({
      status: 2,
      stderr: expect.stringContaining("PORT must be an integer in 1..65535, got '70000'")
    })
    expect(runToExit(bin(name), { PORT: '1', FIXTURE_FAULT: 'explode' })).toEqual({
      status: 2,
      stderr: expect.stringContaining("got 'explode'")
    })
    expect(runToExit(bin(name), { PORT: '1', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toEqual({
      status: 2,
      stderr: expect.stringContaining("no http/json), got 'http/json'")
    })
  })

  test('gozero: a sampler go-zero cannot express exits 2 naming it', () => {
    expect(runToExit(bin('gozero'), { PORT: '1', OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toEqual({
      status: 2,
      stderr: expect.stringContaining("OTEL_TRACES_SAMPLER 'jaeger_remote' has no go-zero equivalent")
    })
  })
})
