/** fixtures/http-service: configuration errors, FIXTURE_FAULT modes and the CPU knobs. */
import { startOtlpReceiver } from '../../../src/otlp/receiver.js'
import {
  hammer,
  killGroup,
  spawnFixture,
  stopFixture,
  waitForExit,
  waitForHealthy,
  waitForOutput,
  type Fixture
} from '../helpers/fixture-process.js'

/** Runs `fn` against a freshly spawned fixture and always kills its process group afterwards. */
async function withFixture<T>(env: Record<string, string | null>, fn: (f: Fixture) => Promise<T>): Promise<T> {
  let f: Fixture | undefined
  try {
    f = await spawnFixture(env)
    return await fn(f)
  } finally {
    killGroup(f)
  }
}

const OFF = { OTEL_SDK_DISABLED: 'true' }

describe('configuration errors exit 2 with a message quoting the bad value', () => {
  test.each([
    [{ PORT: null }, /PORT is required/],
    [{ PORT: 'http' }, /PORT must be an integer in 1\.\.65535, got 'http'/],
    [
      { FIXTURE_EXTRA_CPU_US: '1.5' },
      /FIXTURE_EXTRA_CPU_US must be a non-negative integer \(microseconds\), got '1\.5'/
    ],
    [
      { FIXTURE_TRACING_EXTRA_CPU_US: '-3' },
      /FIXTURE_TRACING_EXTRA_CPU_US must be a non-negative integer \(microseconds\), got '-3'/
    ],
    [{ FIXTURE_FAULT: 'explode' }, /FIXTURE_FAULT must be one of .*; got 'explode'/]
  ])('%j', async (env, message) => {
    await withFixture({ ...OFF, ...env }, async (f) => {
      expect(await waitForExit(f)).toBe(2)
      expect(f.stderr()).toMatch(message)
      expect(f.stdout()).not.toContain('listening')
    })
  })
})

describe('FIXTURE_FAULT', () => {
  test('exit-early: exits 3 before listening, saying why', async () => {
    await withFixture({ ...OFF, FIXTURE_FAULT: 'exit-early' }, async (f) => {
      expect(await waitForExit(f)).toBe(3)
      expect(f.stderr()).toContain('FIXTURE_FAULT=exit-early')
      expect(f.stdout()).toBe('')
    })
  })

  test('never-ready: listens, the API works, /healthz answers 503', async () => {
    await withFixture({ ...OFF, FIXTURE_FAULT: 'never-ready' }, async (f) => {
      await waitForOutput(f, 'listening on')
      expect(await hammer(f, () => '/healthz', 3)).toEqual([503, 503, 503])
      expect(await hammer(f, () => '/api/v1/users/1', 1)).toEqual([200])
      expect(await stopFixture(f)).toBe(0)
    })
  })

  test('crash-after=<ms>: exits 7 after having listened', async () => {
    await withFixture({ ...OFF, FIXTURE_FAULT: 'crash-after=300' }, async (f) => {
      await waitForHealthy(f)
      expect(await waitForExit(f)).toBe(7)
      expect(f.stderr()).toContain('FIXTURE_FAULT=crash-after=300')
    })
  })

  test('http-500: the API answers 500, /healthz stays 200', async () => {
    await withFixture({ ...OFF, FIXTURE_FAULT: 'http-500' }, async (f) => {
      await waitForHealthy(f)
      expect(await hammer(f, (i) => `/api/v1/users/${i}`, 5)).toEqual([500, 500, 500, 500, 500])
      expect(await stopFixture(f)).toBe(0)
    })
  })

  test('no-export: tracing on, the service works, but no span reaches the configured endpoint', async () => {
    const receiver = await startOtlpReceiver()
    try {
      await withFixture(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_TRACES_SAMPLER: 'always_on',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          FIXTURE_FAULT: 'no-export'
        },
        async (f) => {
          await waitForHealthy(f)
          expect(f.stdout()).toContain('(tracing on)')
          expect(await hammer(f, (i) => `/api/v1/users/${i}`, 20)).toEqual(Array(20).fill(200))
          // Exports go to 127.0.0.1:9 and are retried until the 3 s shutdown bound gives up (exit 1).
          expect(await stopFixture(f)).toBe(1)
          expect(f.stderr()).toContain('did not finish within 3000 ms')
        }
      )
      expect(receiver.snapshot()).toMatchObject({ spans: 0, requests: 0 })
    } finally {
      await receiver.close()
    }
  })
})

describe('CPU knobs', () => {
  test('FIXTURE_TRACING_EXTRA_CPU_US is ignored with tracing off; FIXTURE_EXTRA_CPU_US always applies', async () => {
    await withFixture({ ...OFF, FIXTURE_TRACING_EXTRA_CPU_US: '500', FIXTURE_EXTRA_CPU_US: '40000' }, async (f) => {
      await waitForHealthy(f)
      expect(f.stdout()).toContain(
        'knobs: FIXTURE_EXTRA_CPU_US=40000 FIXTURE_TRACING_EXTRA_CPU_US=500 (ignored: tracing off) spin=40000us'
      )
      // A busy-spin can only make a request slower, so this lower bound cannot flake.
      const t0 = performance.now()
      expect(await hammer(f, () => '/api/v1/users/7', 1)).toEqual([200])
      expect(performance.now() - t0).toBeGreaterThanOrEqual(40)
      expect(await stopFixture(f)).toBe(0)
    })
  })

  test('FIXTURE_TRACING_EXTRA_CPU_US applies when tracing is on', async () => {
    const receiver = await startOtlpReceiver()
    try {
      await withFixture(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          FIXTURE_TRACING_EXTRA_CPU_US: '40000',
          FIXTURE_EXTRA_CPU_US: '0'
        },
        async (f) => {
          await waitForHealthy(f)
          expect(f.stdout()).toContain('knobs: FIXTURE_EXTRA_CPU_US=0 FIXTURE_TRACING_EXTRA_CPU_US=40000 spin=40000us')
          const t0 = performance.now()
          expect(await hammer(f, () => '/api/v1/users/7', 1)).toEqual([200])
          expect(performance.now() - t0).toBeGreaterThanOrEqual(40)
          expect(await stopFixture(f)).toBe(0)
        }
      )
    } finally {
      await receiver.close()
    }
  })
})

describe('API', () => {
  test('GET /api/v1/users/:id returns the user as JSON; a bad id is a 400', async () => {
    await withFixture(OFF, async (f) => {
      await waitForHealthy(f)
      const res = await fetch(`${f.base}/api/v1/users/42`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      const user = (await res.json()) as Record<string, unknown>
      expect(user).toMatchObject({ id: 42, name: 'user-42', email: 'user42@example.test' })
      expect(user['etag']).toMatch(/^[0-9a-f]{64}$/)
      expect((user['top'] as unknown[]).length).toBe(5)
      // Deterministic: the same id gives the same body.
      const again = (await (await fetch(`${f.base}/api/v1/users/42`)).json()) as Record<string, unknown>
      expect(again).toEqual(user)
      expect(await hammer(f, () => '/api/v1/users/abc', 1)).toEqual([400])
      expect(await stopFixture(f)).toBe(0)
    })
  })
})
