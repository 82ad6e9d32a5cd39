/**
 * Open-loop (constant-rate) HTTP load whose latency is free of coordinated omission.
 *
 * Why not autocannon's `overallRate`: read from autocannon 9's lib/run.js and lib/httpClient.js, it
 * splits the rate over the connections (`rate / connections` each) and every connection sends its
 * quota back to back, each request after the previous answer, then idles until a 1 s timer resets the
 * quota (autocannon issue #174: "50 requests in 100 ms then 900 ms of nothing"). The offered load is a
 * square wave of closed-loop bursts, not a constant rate, and latency runs from the actual write, so a
 * slow answer delays the next send and hides its wait: coordinated omission is back. (Its
 * correction, `recordValueWithExpectedInterval(latency, ceil(1 / rate))`, only touches its own
 * whole-millisecond histogram, with a 1 ms expected interval for any rate ≥ 1/s.)
 *
 * What this generator does instead (wrk2's approach): request i is scheduled at t0 + i / rate,
 * whatever happened to earlier requests, and sent on a free keep-alive connection of an undici Pool
 * (opened on demand up to `connections`; beyond that requests wait in the pool's queue). Its latency
 * runs from the scheduled time to the end of the response body, so waiting for a connection, for the
 * server's backlog and for the generator itself all count, as a user arriving at that instant would
 * see it.
 *
 * What it does not correct: the generator's own lateness is charged to the service (a busy or
 * unpinned load-generator core shows up as latency; `sendLag` reports how late sends were, so a
 * reader can tell); timers run on Node's event loop, so requests due within the same iteration leave
 * together (sub-millisecond bunching at high rates); and when the offered rate exceeds what the
 * service can serve, the latency measures the backlog's growth over the phase rather than a steady
 * state: compare the achieved rate (`qps`) with `rate` before reading the P99.
 */
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import type { LoadResult } from '../types.js'
import { createLatencyHistogram, summarizeLatency } from './histogram.js'
import { errorRateOf } from './load.js'

/** One open-loop phase: `warmupSec` of schedule (discarded) then `durationSec` measured, at `rate`. */
export interface OpenLoopOptions {
  url: string
  /** Offered requests per second. */
  rate: number
  /** Measured seconds of schedule. */
  durationSec: number
  /** Seconds of schedule before the measured window, discarded (warms the generator's JIT and connections). */
  warmupSec?: number
  /** Most keep-alive connections the pool may open (see openLoopConnections in scenarios.ts). */
  connections: number
  /** Per-request timeout in seconds (headers and body), also the bound of the final drain. */
  timeoutSec: number
  method?: string
  headers?: Record<string, string>
  body?: string
}

/** The measured window as a LoadResult, plus what only an open loop has. */
export interface OpenLoopRun extends LoadResult {
  /** The offered rate (requests/s). */
  rate: number
  /** How late the generator sent the window's requests vs their schedule (µs). */
  sendLag: { p99Us: number; maxUs: number }
  /** Requests never sent because the backlog was full (counted in `timeouts`). */
  dropped: number
  /** Most requests in flight (sent or queued in the pool) at once. */
  maxInFlight: number
}

/** Sleep with a timer only when the next send is this far away; closer, poll with setImmediate. */
const SPIN_BELOW_US = 2000

/** Beyond this many requests in flight new ones are dropped (memory bound for a service that stopped answering). */
const MAX_BACKLOG = 100_000

/** Extra seconds granted to the final drain beyond the request timeout before pending requests count as timeouts. */
const DRAIN_SLACK_SEC = 2

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

/** When each request of a phase is due: the warm-up's, then the measured window's, `intervalUs` apart. */
interface Schedule {
  intervalUs: number
  warmupCount: number
  measuredCount: number
  total: number
  windowStartUs: number
  windowEndUs: number
  windowSec: number
}

function scheduleOf(opts: OpenLoopOptions): Schedule {
  const intervalUs = 1e6 / opts.rate
  const warmupCount = Math.round((opts.warmupSec ?? 0) * opts.rate)
  const measuredCount = Math.max(1, Math.round(opts.durationSec * opts.rate))
  const total = warmupCount + measuredCount
  const windowStartUs = warmupCount * intervalUs
  const windowEndUs = total * intervalUs
  return {
    intervalUs,
    warmupCount,
    measuredCount,
    total,
    windowStartUs,
    windowEndUs,
    windowSec: (windowEndUs - windowStartUs) / 1e6
  }
}

/**
 * One phase in flight: sends each request at its scheduled time whatever happened to the earlier ones,
 * and counts what became of the measured ones. After `closed`, late settlements change nothing.
 */
class OpenLoopPhase {
  private readonly pool: Pool
  private readonly path: string
  private readonly method: Dispatcher.HttpMethod
  private readonly hist = createLatencyHistogram()
  private readonly lag = createLatencyHistogram()
  private readonly t0 = process.hrtime.bigint()
  private responses = 0
  private ok = 0
  private errors = 0
  private timeouts = 0
  private dropped = 0
  private okInWindow = 0
  private inFlight = 0
  private maxInFlight = 0
  private settled = 0
  private closed = false
  private onAllSettled: () => void = () => {}
  private readonly allSettled = new Promise<void>((resolve) => {
    this.onAllSettled = resolve
  })

  constructor(
    private readonly opts: OpenLoopOptions,
    url: URL,
    private readonly s: Schedule
  ) {
    const timeoutMs = opts.timeoutSec * 1000
    this.pool = new Pool(url.origin, {
      connections: opts.connections,
      pipelining: 1,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: timeoutMs }
    })
    this.path = `${url.pathname}${url.search}`
    this.method = (opts.method ?? 'GET') as Dispatcher.HttpMethod
  }

  private nowUs(): number {
    return Number(process.hrtime.bigint() - this.t0) / 1e3
  }

  private done(): void {
    this.settled++
    if (this.settled === this.s.total) this.onAllSettled()
  }

  /** Send request `i` (due at `intendedUs`); its latency runs from that time, not from the send. */
  private send(i: number, intendedUs: number): void {
    const measured = i >= this.s.warmupCount
    if (measured) this.lag.recordValue(Math.max(1, Math.round(this.nowUs() - intendedUs)))
    if (this.inFlight >= MAX_BACKLOG) {
      if (measured) {
        this.dropped++
        this.timeouts++
      }
      this.done()
      return
    }
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    let pending: Promise<Dispatcher.ResponseData>
    try {
      pending = this.pool.request({
        path: this.path,
        method: this.method,
        headers: this.opts.headers,
        body: this.opts.body
      })
    } catch (e) {
      // Counted like any failed request rather than thrown out of the scheduler's timer.
      pending = Promise.reject(e)
    }
    pending
      .then((res) => this.answered(res, measured, intendedUs))
      .catch((e: unknown) => this.failed(e, measured))
      .finally(() => {
        if (this.closed) return
        this.inFlight--
        this.done()
      })
  }

  private async answered(res: Dispatcher.ResponseData, measured: boolean, intendedUs: number): Promise<void> {
    // Read the whole body: the response ends when its last byte arrived, and the connection is reusable.
    await res.body.dump({ limit: Number.MAX_SAFE_INTEGER })
    if (this.closed) return
    const t = this.nowUs()
    const is2xx = res.statusCode >= 200 && res.statusCode < 300
    if (is2xx && t >= this.s.windowStartUs && t < this.s.windowEndUs) this.okInWindow++
    if (!measured) return
    this.responses++
    if (is2xx) {
      this.ok++
      this.hist.recordValue(Math.max(1, Math.round(t - intendedUs)))
    }
  }

  private failed(e: unknown, measured: boolean): void {
    if (this.closed || !measured) return
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) this.timeouts++
    else this.errors++
  }

  /** Send every request of the schedule on time; resolves once the last one is sent. */
  private pump(): Promise<void> {
    const { intervalUs, total } = this.s
    return new Promise<void>((resolve) => {
      let next = 0
      const tick = (): void => {
        const t = this.nowUs()
        while (next < total && next * intervalUs <= t) {
          this.send(next, next * intervalUs)
          next++
        }
        if (next >= total) {
          resolve()
          return
        }
        const waitUs = next * intervalUs - this.nowUs()
        // setTimeout wakes ~1 ms late; poll the last stretch so sends leave close to their schedule.
        if (waitUs > SPIN_BELOW_US) setTimeout(tick, (waitUs - SPIN_BELOW_US / 2) / 1000)
        else setImmediate(tick)
      }
      tick()
    })
  }

  /** Whether every request settled within the request timeout (plus slack) after the last send. */
  private async drain(): Promise<boolean> {
    let drainTimer: NodeJS.Timeout | undefined
    const drained = await Promise.race([
      this.allSettled.then(() => true),
      new Promise<boolean>((resolve) => {
        drainTimer = setTimeout(() => resolve(false), (this.opts.timeoutSec + DRAIN_SLACK_SEC) * 1000)
      })
    ])
    clearTimeout(drainTimer)
    return drained
  }

  /** Run the schedule, drain, close the pool; then the counts are final. */
  async run(): Promise<void> {
    try {
      await this.pump()
      // Every settled request of the window was counted once (response, error or timeout, drops included),
      // so what is still pending after a bounded drain is the rest of the window: timed out.
      if (!(await this.drain())) this.timeouts += this.s.measuredCount - (this.responses + this.errors + this.timeouts)
    } finally {
      this.closed = true
      await this.pool.destroy().catch(() => {})
    }
  }

  result(): OpenLoopRun {
    const { windowSec } = this.s
    return {
      durationSec: windowSec,
      responses: this.responses,
      ok: this.ok,
      non2xx: this.responses - this.ok,
      errors: this.errors,
      timeouts: this.timeouts,
      qps: windowSec > 0 ? this.okInWindow / windowSec : 0,
      errorRate: errorRateOf({
        responses: this.responses,
        non2xx: this.responses - this.ok,
        errors: this.errors,
        timeouts: this.timeouts
      }),
      latency: summarizeLatency(this.hist),
      rate: this.opts.rate,
      sendLag:
        this.lag.totalCount === 0
          ? { p99Us: NaN, maxUs: NaN }
          : { p99Us: this.lag.getValueAtPercentile(99), maxUs: this.lag.maxValue },
      dropped: this.dropped,
      maxInFlight: this.maxInFlight
    }
  }
}

/**
 * Run one open-loop phase. QPS = 2xx answers completed inside the measured window / its length (the
 * achieved rate, below `rate` when the service cannot keep up); counts, errors and latency cover the
 * requests scheduled inside the window, each followed to its end (bounded by the drain).
 */
export async function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopRun> {
  const url = validate(opts)
  const phase = new OpenLoopPhase(opts, url, scheduleOf(opts))
  await phase.run()
  return phase.result()
}

function validate(opts: OpenLoopOptions): URL {
  let url: URL
  try {
    url = new URL(opts.url)
  } catch {
    throw new Error(`open-loop target URL is not a valid URL: '${opts.url}'`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`open-loop target URL must be http(s), got '${opts.url}'`)
  if (!Number.isFinite(opts.rate) || opts.rate <= 0)
    throw new Error(`open-loop rate must be > 0 requests/s, got '${String(opts.rate)}'`)
  if (!Number.isFinite(opts.durationSec) || opts.durationSec <= 0)
    throw new Error(`open-loop duration must be > 0 seconds, got '${String(opts.durationSec)}'`)
  const w = opts.warmupSec ?? 0
  if (!Number.isFinite(w) || w < 0) throw new Error(`open-loop warm-up must be ≥ 0 seconds, got '${String(w)}'`)
  if (!Number.isInteger(opts.connections) || opts.connections < 1) {
    throw new Error(`open-loop connections must be a positive integer, got '${String(opts.connections)}'`)
  }
  if (!Number.isFinite(opts.timeoutSec) || opts.timeoutSec <= 0)
    throw new Error(`open-loop request timeout must be > 0 seconds, got '${String(opts.timeoutSec)}'`)
  return url
}
