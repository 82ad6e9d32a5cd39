/**
 * CPU per request of the real fixture service, started through `npm start` (sh → npm → sh → node)
 * exactly as the engine does it (startService + runLoad + the sampler from onMeasureStart): the
 * injected FIXTURE_EXTRA_CPU_US busy-spin must show up in CPU-seconds per 1,000 requests.
 */
import { expect } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runLoad } from '../../../src/load/load.js'
import { findFreePort, killAllServices, startService } from '../../../src/service/service.js'
import { startResourceSampler, type ResourceSampler } from '../../../src/service/procstat.js'
import type { ResourceUsage } from '../../../src/types.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const FIXTURE = path.join(ROOT, 'fixtures/http-service')
let logDir: string

beforeAll(() => {
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixture-cpu-'))
})

afterAll(async () => {
  await killAllServices()
  fs.rmSync(logDir, { recursive: true, force: true })
})

/** One round: boot, 0.5 s warm-up, 1.5 s measured with the sampler, stop. */
async function round(extraCpuUs: number, i: number): Promise<{ usage: ResourceUsage; ok: number }> {
  const port = await findFreePort()
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    // Jest's NODE_OPTIONS (vm modules) and any runner OTEL_* must not reach the service.
    if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('OTEL_') && !k.startsWith('npm_')) env[k] = v
  }
  const service = await startService({
    command: 'npm start',
    cwd: FIXTURE,
    env: {
      ...env,
      PORT: String(port),
      OTEL_SDK_DISABLED: 'true',
      OTEL_TRACES_EXPORTER: 'none',
      FIXTURE_EXTRA_CPU_US: String(extraCpuUs),
      npm_config_update_notifier: 'false',
      npm_config_loglevel: 'warn'
    },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    readyTimeoutMs: 20_000,
    logFile: path.join(logDir, `round${i}-${extraCpuUs}.log`),
    port
  })
  let sampler = null as ResourceSampler | null
  try {
    const load = await runLoad({
      url: `http://127.0.0.1:${port}/api/v1/users/42`,
      connections: 8,
      warmupSec: 0.5,
      durationSec: 1.5,
      timeoutSec: 5,
      onMeasureStart: () => {
        sampler = startResourceSampler(service.pid, { intervalMs: 200 })
      }
    })
    if (sampler === null) throw new Error('onMeasureStart was not called')
    const usage = (sampler as ResourceSampler).stop()
    service.assertAlive()
    expect(load.errorRate).toBe(0)
    return { usage, ok: load.ok }
  } finally {
    ;(sampler as ResourceSampler | null)?.stop()
    await service.stop()
  }
}

test('FIXTURE_EXTRA_CPU_US=300 adds ≥ 150 µs of CPU per request through an `npm start` wrapper', async () => {
  const perK: Record<number, number[]> = { 0: [], 300: [] }
  // Interleaved (ABBA), as the engine's blocks would be.
  for (const [i, extra] of [0, 300, 300, 0].entries()) {
    const { usage, ok } = await round(extra, i)
    expect(ok).toBeGreaterThan(100)
    // The node server behind npm and two shells: far more than the wrappers' few MiB.
    expect(usage.rssPeakBytes).toBeGreaterThan(60 * 2 ** 20)
    perK[extra].push(usage.cpuSeconds / (ok / 1000))
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  // CPU-seconds per 1,000 requests = CPU-ms per request. Without the spin the fixture costs tens of
  // µs per request; a sampler that saw only the wrappers would report ~0 here.
  expect(mean(perK[0])).toBeGreaterThan(0.02)
  expect(mean(perK[300]) - mean(perK[0])).toBeGreaterThanOrEqual(0.15)
  // …and not double: measured ≈ +0.43 ms here (the spin plus less batching per event-loop turn at the
  // lower rate); counting the server twice would give ≈ +0.9 ms.
  expect(mean(perK[300]) - mean(perK[0])).toBeLessThan(0.75)
})
