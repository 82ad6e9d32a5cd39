/** runOpenLoop against real tiny servers on loopback (separate processes, so they do not share our event loop). */
import * as net from 'node:net'
import * as http from 'node:http'
import { runOpenLoop } from '../../../src/load/open-loop.js'
import { tinyPool } from '../../helpers/tiny.js'
import { freePort } from '../../helpers/process.js'

const tinies = tinyPool()
afterAll(() => tinies.killAll())
const tiny = tinies.start

test('healthy server: the offered rate is achieved, every scheduled request is answered, µs latency', async () => {
  const s = await tiny()
  const r = await runOpenLoop({
    url: `http://127.0.0.1:${s.port}/x?y=1`,
    rate: 400,
    durationSec: 1.5,
    warmupSec: 0.3,
    connections: 10,
    timeoutSec: 2
  })
  // 400/s × 1.5 s scheduled in the window, each followed to its end.
  expect(r.responses).toBe(600)
  expect(r.ok).toBe(600)
  expect(r.errors + r.timeouts + r.non2xx + r.dropped).toBe(0)
  expect(r.errorRate).toBe(0)
  expect(r.durationSec).toBeCloseTo(1.5, 6)
  expect(r.rate).toBe(400)
  // Completions inside the window (how close to the offered rate is the bench's business, not a test's).
  expect(r.qps).toBeGreaterThan(0)
  // At most every request sent (warm-up and window) completes inside the window.
  expect(r.qps).toBeLessThanOrEqual((600 + 400 * 0.3) / 1.5)
  expect(r.latency.count).toBe(600)
  expect(r.latency.p50Us).toBeGreaterThan(0)
  expect(r.latency.p99Us).toBeGreaterThanOrEqual(r.latency.p50Us)
  expect(r.maxInFlight).toBeGreaterThanOrEqual(1)
  expect(r.maxInFlight).toBeLessThanOrEqual(600)
  expect(Number.isFinite(r.sendLag.p99Us)).toBe(true)
})

test('latency runs from the scheduled send time: a server that stalls is not hidden (no coordinated omission)', async () => {
  // One connection, a server answering in 50 ms while 100 requests/s are due: at most 20/s get
  // through and the backlog grows. A closed loop would report ~50 ms
  // for every request; from the schedule, the later requests waited far longer.
  const server = http.createServer((_req, res) => {
    setTimeout(() => res.end('ok'), 50)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const port = (server.address() as net.AddressInfo).port
    const r = await runOpenLoop({
      url: `http://127.0.0.1:${port}/`,
      rate: 100,
      durationSec: 0.5,
      connections: 1,
      timeoutSec: 5
    })
    expect(r.responses).toBe(50)
    expect(r.qps).toBeLessThan(30)
    // Request k is due at 10k ms and answered at ~50(k + 1) ms: ~1 s for the median, ~2 s for the last.
    expect(r.latency.p50Us).toBeGreaterThan(500_000)
    expect(r.latency.maxUs).toBeGreaterThan(1_500_000)
    expect(r.maxInFlight).toBeGreaterThan(20)
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
})

test('server answering 500: non-2xx counted, no latency recorded', async () => {
  const s = await tiny('http-500')
  const r = await runOpenLoop({
    url: `http://127.0.0.1:${s.port}/`,
    rate: 200,
    durationSec: 0.5,
    connections: 4,
    timeoutSec: 2
  })
  expect(r.responses).toBe(100)
  expect(r.non2xx).toBe(100)
  expect(r.ok).toBe(0)
  expect(r.qps).toBe(0)
  expect(r.errorRate).toBe(1)
  expect(r.latency.count).toBe(0)
  expect(Number.isNaN(r.latency.p99Us)).toBe(true)
})

test('refused port: every scheduled request is a socket error', async () => {
  const port = await freePort()
  const r = await runOpenLoop({
    url: `http://127.0.0.1:${port}/`,
    rate: 100,
    durationSec: 0.5,
    connections: 2,
    timeoutSec: 1
  })
  expect(r.errors).toBe(50)
  expect(r.responses).toBe(0)
  expect(r.errorRate).toBe(1)
})

test('hanging server: requests time out and the phase ends within the drain bound', async () => {
  const s = await tiny('hang')
  const r = await runOpenLoop({
    url: `http://127.0.0.1:${s.port}/`,
    rate: 20,
    durationSec: 0.5,
    connections: 2,
    timeoutSec: 1
  })
  expect(r.responses).toBe(0)
  expect(r.timeouts).toBe(10)
  expect(r.errors + r.timeouts).toBe(10)
  expect(r.errorRate).toBe(1)
})

test('bad options are rejected, quoting the value', async () => {
  const base = { url: 'http://127.0.0.1:1/', rate: 10, durationSec: 1, connections: 1, timeoutSec: 1 }
  await expect(runOpenLoop({ ...base, rate: 0 })).rejects.toThrow("open-loop rate must be > 0 requests/s, got '0'")
  await expect(runOpenLoop({ ...base, url: 'ftp://x/' })).rejects.toThrow("got 'ftp://x/'")
  await expect(runOpenLoop({ ...base, connections: 1.5 })).rejects.toThrow("got '1.5'")
  await expect(runOpenLoop({ ...base, durationSec: -1 })).rejects.toThrow("got '-1'")
})
