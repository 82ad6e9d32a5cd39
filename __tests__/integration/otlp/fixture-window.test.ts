/**
 * The issue-12 bias, end to end with the real Node SDK fixture: readiness polls and requests outside
 * the measured window export spans too, and only windowCounts() keeps them out of spans per request.
 */
import { checkSampling } from '../../../src/otlp/accounting.js'
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import {
  hammer,
  killGroup,
  spawnFixture,
  stopFixture,
  waitForHealthy,
  type Fixture
} from '../helpers/fixture-process.js'

const REQUESTS = 60
const EDGE_MS = 100
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

let receiver: OtlpReceiver
beforeAll(async () => {
  receiver = await startOtlpReceiver()
})
afterAll(async () => {
  await receiver.close()
})

test.each(['http/protobuf', 'http/json'])(
  '%s: the window holds exactly the measured requests, one root and 2 spans each',
  async (protocol) => {
    receiver.reset()
    let f: Fixture | undefined
    try {
      f = await spawnFixture({
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_SERVICE_NAME: 'fixture',
        OTEL_TRACES_SAMPLER: 'parentbased_always_on'
      })
      const polls = await waitForHealthy(f)
      // Untimed extra requests before and after the window (a warm-up and a trailing phase).
      expect(await hammer(f, (i) => `/api/v1/users/${i}`, 10)).toEqual(Array(10).fill(200))
      await sleep(EDGE_MS)
      const t0 = Date.now()
      expect(await hammer(f, (i) => `/api/v1/users/${i}`, REQUESTS)).toEqual(Array(REQUESTS).fill(200))
      const t1 = Date.now() + 1
      await sleep(EDGE_MS)
      await hammer(f, (i) => `/api/v1/users/${i}`, 10)
      expect(await stopFixture(f)).toBe(0)

      const total = receiver.snapshot()
      expect(total.spans).toBeGreaterThanOrEqual(2 * (REQUESTS + 20))
      expect(total.roots).toBeGreaterThanOrEqual(REQUESTS + 20 + 1) // + at least the answered health poll
      expect(total.roots).toBeLessThanOrEqual(REQUESTS + 20 + polls)
      const w = receiver.windowCounts(t0, t1)
      expect(w).toEqual({
        spans: 2 * REQUESTS,
        roots: REQUESTS,
        traces: REQUESTS,
        traceSpans: 2 * REQUESTS,
        spansPerTrace: 2,
        tracesComplete: true
      })
      expect(checkSampling({ requests: REQUESTS, roots: w.roots, ratio: 1, inFlight: 10 }).ok).toBe(true)
      // The totals would have failed the same check: the bias the window removes.
      expect(checkSampling({ requests: REQUESTS, roots: total.roots, ratio: 1, inFlight: 10 }).ok).toBe(false)
    } finally {
      killGroup(f)
    }
  }
)
