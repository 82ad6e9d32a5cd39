/**
 * Closed-loop load with autocannon (programmatic API, no workers) and a µs latency histogram.
 *
 * What autocannon 9 actually does (read from its lib/run.js, lib/httpClient.js,
 * lib/pipelinedRequestsQueue.js):
 * - `instance.on('response', (client, statusCode, resBytes, responseTime))`: responseTime is
 *   fractional milliseconds from `process.hrtime`, taken from just before the request is written
 *   to the socket until the parser completes the response. Its own latency histogram records that
 *   value with a 1 ms floor, hence whole-ms percentiles; the event value itself is fine, so we
 *   record it (× 1000) into our own histogram. Caveat: on a fresh connection the first request's
 *   clock starts at connect(), so it includes the TCP handshake (loopback: tens of µs, c requests).
 * - result.errors INCLUDES timeouts (onTimeout does `errors++; timeouts++`); socket errors alone
 *   are `errors − timeouts`. Connection errors make the client reconnect at once, so a refused
 *   port yields many errors quickly.
 * - result.duration is rounded to 10 ms and the run only stops at the next sample tick after
 *   `duration` (default sampleInt 1 s: a 2 s round took 3.0 s), so we tick every 100 ms, stop the
 *   instance ourselves, and never use its duration.
 *
 * One instance per phase runs from the start of the warm-up until just after the measured window
 * (src/load/window.ts); responses count by the moment they complete, so arms loaded at once are all
 * measured over the same instants (the window is given by the caller) on connections that stay open.
 */
import autocannon from 'autocannon'
import { LoadGate } from './gate.js'
import type { LoadResult } from '../types.js'
import { createLatencyHistogram, msToUs, summarizeLatency, type LatencyHistogram } from './histogram.js'
import {
  checkWindow,
  countInSecond,
  perSecondCounts,
  placeInWindow,
  scheduleWindow,
  warmupSecOf,
  windowAfter,
  windowSec,
  WINDOW_TAIL_MS,
  type MeasureWindow
} from './window.js'

/** One load phase: optional warm-up, then the measured window. */
export interface LoadOptions {
  url: string
  connections: number
  /** Load applied and discarded before the window (0 = none). Ignored when `window` is given. */
  warmupSec: number
  /** Measured seconds. Ignored when `window` is given. */
  durationSec: number
  /**
   * The measured window on performance.now()'s clock, shared by arms loaded at once (default: after
   * `warmupSec` from now, `durationSec` long). The load starts now and stops just after the window.
   */
  window?: MeasureWindow
  /** Per-request timeout in seconds (autocannon requires ≥ 1). */
  timeoutSec: number
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Called ~once a second during the window with 2xx responses so far (for progress). */
  onProgress?: (p: { elapsedSec: number; ok: number }) => void
  /** Called when the window opens, e.g. to start a CPU sampler. */
  onMeasureStart?: () => void
  /** Called when the window closes, e.g. to stop the CPU sampler (the load itself runs on briefly). */
  onMeasureEnd?: () => void
}

/** The measured result plus what the discarded warm-up did. */
export interface LoadRun extends LoadResult {
  warmup: { ok: number; durationSec: number }
  /**
   * The window's 2xx latencies (in memory only, never written to results): lets the processes of one arm
   * be merged into the union of their latencies (src/measure/replicas.ts).
   */
  histogram?: LatencyHistogram
}

/**
 * The share of attempts that failed, as LoadResult.errorRate defines it: (non-2xx + errors + timeouts) /
 * (responses + errors + timeouts); 0 when nothing was sent. The one definition for every load.
 */
export function errorRateOf(c: Pick<LoadResult, 'responses' | 'non2xx' | 'errors' | 'timeouts'>): number {
  const attempts = c.responses + c.errors + c.timeouts
  return attempts === 0 ? 0 : (c.non2xx + c.errors + c.timeouts) / attempts
}

/** autocannon's sample tick, which is also how often it checks whether it was stopped. */
const SAMPLE_INTERVAL_MS = 100

/** Extra time granted beyond the window + request timeout before the watchdog gives up. */
const WATCHDOG_SLACK_SEC = 10

/** Counts of responses and failures; `errors` excludes timeouts. */
export interface Tally {
  ok: number
  responses: number
  errors: number
  timeouts: number
}

const emptyTally = (): Tally => ({ ok: 0, responses: 0, errors: 0, timeouts: 0 })

/** One autocannon run plus what we counted ourselves, by where in the window each event fell. */
export interface PhaseOutcome {
  result: autocannon.Result
  windowSec: number
  /** Every event of the run, to check against autocannon's own totals. */
  total: Tally
  /** Events before the window (the warm-up) and inside it (the measurement). */
  before: Tally
  inside: Tally
  /** 2xx responses inside the window, per second of it. */
  okPerSecond: number[]
  warmupSec: number
  latency: LoadResult['latency']
  histogram: LatencyHistogram
}

/**
 * Load `opts.url` from now until just after the window; QPS = 2xx responses completed inside the
 * window / the window's seconds.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadRun> {
  validate(opts)
  const startMs = performance.now()
  const window = opts.window ?? windowAfter(opts.warmupSec, opts.durationSec, startMs)
  const m = await runPhase(opts, window, startMs)
  return { ...toLoadResult(m), warmup: { ok: m.before.ok, durationSec: m.warmupSec }, histogram: m.histogram }
}

/** Count one event of the run into the total and into the part of the window it fell in. */
function countEvent(o: PhaseOutcome, where: 'before' | 'inside' | 'after', add: (t: Tally) => void): void {
  add(o.total)
  if (where === 'before') add(o.before)
  else if (where === 'inside') add(o.inside)
}

/** Count every response and failure of the instance by where in the window it completed; latency of 2xx inside it. */
function countEvents(
  instance: autocannon.Instance,
  window: MeasureWindow,
  out: PhaseOutcome,
  hist: ReturnType<typeof createLatencyHistogram>
): void {
  instance.on('response', (_client: unknown, statusCode: number, _resBytes: number, responseTime: number) => {
    const now = performance.now()
    const where = placeInWindow(window, now)
    const ok = statusCode >= 200 && statusCode < 300
    countEvent(out, where, (t) => {
      t.responses++
      if (ok) t.ok++
    })
    if (ok && where === 'inside') {
      hist.recordValue(msToUs(responseTime))
      countInSecond(out.okPerSecond, window, now)
    }
  })
  instance.on('reqError', (e: unknown) => {
    const timeout = e instanceof Error && e.message === 'request timed out'
    countEvent(out, placeInWindow(window, performance.now()), (t) => {
      if (timeout) t.timeouts++
      else t.errors++
    })
  })
}

/** The counters a phase fills in as responses arrive (autocannon's own result is set when it finishes). */
function emptyOutcome(window: MeasureWindow, startMs: number, hist: LatencyHistogram): PhaseOutcome {
  return {
    result: undefined as unknown as autocannon.Result,
    windowSec: windowSec(window),
    total: emptyTally(),
    before: emptyTally(),
    inside: emptyTally(),
    okPerSecond: perSecondCounts(window),
    warmupSec: warmupSecOf(window, startMs),
    latency: summarizeLatency(hist),
    histogram: hist
  }
}

/** autocannon's options for one phase of `runSec` seconds at the load's connections. */
function autocannonOptions(opts: LoadOptions, runSec: number): autocannon.Options {
  return {
    url: opts.url,
    connections: opts.connections,
    // A bound only: the instance is stopped just after the window (below).
    duration: runSec + 1,
    timeout: opts.timeoutSec,
    pipelining: 1,
    // autocannon only acts on its stop flag at the next sample tick: 100 ms ticks bound the
    // overshoot (past the window, so it no longer matters for the counts).
    sampleInt: SAMPLE_INTERVAL_MS,
    method: (opts.method ?? 'GET') as autocannon.Request['method'],
    headers: opts.headers,
    body: opts.body
  }
}

function runPhase(opts: LoadOptions, window: MeasureWindow, startMs: number): Promise<PhaseOutcome> {
  const hist = createLatencyHistogram()
  const out = emptyOutcome(window, startMs, hist)
  let hookError: unknown = null
  return new Promise<PhaseOutcome>((resolve, reject) => {
    let settled = false
    let cancelHooks = (): void => {}
    let watchdog: NodeJS.Timeout | undefined
    const runSec = Math.max(0, window.endMs - startMs) / 1000 + WINDOW_TAIL_MS / 1000
    const limitSec = runSec + opts.timeoutSec + WATCHDOG_SLACK_SEC
    const done = (err: unknown, result?: autocannon.Result): void => {
      if (settled) return
      settled = true
      clearTimeout(watchdog)
      cancelHooks()
      if (err) reject(err instanceof Error ? err : new Error(String(err)))
      else if (hookError !== null) reject(hookError)
      else resolve({ ...out, result: result as autocannon.Result, latency: summarizeLatency(hist) })
    }

    const instance = autocannon(autocannonOptions(opts, runSec), (err: unknown, result: autocannon.Result) =>
      done(
        err
          ? new Error(`autocannon failed against ${opts.url}: ${err instanceof Error ? err.message : String(err)}`)
          : null,
        result
      )
    )
    // Runs synchronously for invalid options, i.e. before `watchdog` is set.
    if (settled) return
    watchdog = setTimeout(() => {
      if (settled) return
      instance.stop()
      done(
        new Error(
          `autocannon did not finish against ${opts.url} within ${limitSec.toFixed(1)} s (warm-up + window + request ` +
            `timeout ${opts.timeoutSec} s + ${WATCHDOG_SLACK_SEC} s); stopped it.`
        )
      )
    }, limitSec * 1000)
    const onProgress = opts.onProgress
    const fail = (e: unknown): void => {
      hookError ??= e
      instance.stop()
    }
    cancelHooks = scheduleWindow(
      window,
      {
        onStart: opts.onMeasureStart,
        onEnd: opts.onMeasureEnd,
        onProgress:
          onProgress &&
          ((elapsedSec) => {
            if (hookError === null && !settled) onProgress({ elapsedSec, ok: out.inside.ok })
          }),
        stop: () => instance.stop()
      },
      fail
    )
    countEvents(instance, window, out, hist)
  })
}

/**
 * Check autocannon's totals (validated at this boundary) against the events we counted, then give
 * the window's numbers as a LoadResult.
 */
export function toLoadResult(m: PhaseOutcome): LoadResult {
  const r = m.result as unknown as Record<string, unknown>
  const num = (key: string): number => {
    const v = r[key]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new Error(`autocannon result field '${key}' should be a non-negative integer, got ${JSON.stringify(v)}`)
    }
    return v
  }
  const ok = num('2xx')
  const responses = num('1xx') + ok + num('3xx') + num('4xx') + num('5xx')
  const non2xx = num('non2xx')
  const timeouts = num('timeouts')
  const errorsInclTimeouts = num('errors')
  if (errorsInclTimeouts < timeouts) {
    throw new Error(
      `autocannon reported fewer errors (${errorsInclTimeouts}) than timeouts (${timeouts}); expected errors to ` +
        `include timeouts`
    )
  }
  // Our window counts and autocannon's totals must describe the same events; a mismatch means
  // autocannon changed how it reports and our numbers would describe something else than its counts.
  const t = m.total
  if (
    ok !== t.ok ||
    responses !== t.responses ||
    non2xx !== responses - ok ||
    timeouts !== t.timeouts ||
    errorsInclTimeouts - timeouts !== t.errors
  ) {
    throw new Error(
      `autocannon counts disagree with its events: result 2xx=${ok}, responses=${responses}, non2xx=${non2xx}, ` +
        `errors=${errorsInclTimeouts}, timeouts=${timeouts}; events 2xx=${t.ok}, responses=${t.responses}, ` +
        `errors=${t.errors}, timeouts=${t.timeouts} (incompatible autocannon version?)`
    )
  }
  const w = m.inside
  const counts = { responses: w.responses, non2xx: w.responses - w.ok, errors: w.errors, timeouts: w.timeouts }
  return {
    durationSec: m.windowSec,
    ...counts,
    ok: w.ok,
    qps: m.windowSec > 0 ? w.ok / m.windowSec : 0,
    errorRate: errorRateOf(counts),
    latency: m.latency,
    okPerSecond: m.okPerSecond
  }
}

function validate(opts: LoadOptions): void {
  let url: URL
  try {
    url = new URL(opts.url)
  } catch {
    throw new Error(`load target URL is not a valid URL: '${opts.url}'`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`load target URL must be http(s), got '${opts.url}'`)
  if (!Number.isInteger(opts.connections) || opts.connections < 1) {
    throw new Error(`load connections must be a positive integer, got '${String(opts.connections)}'`)
  }
  if (!Number.isFinite(opts.warmupSec) || opts.warmupSec < 0)
    throw new Error(`warm-up must be ≥ 0 seconds, got '${String(opts.warmupSec)}'`)
  if (!Number.isFinite(opts.durationSec) || opts.durationSec <= 0)
    throw new Error(`load duration must be > 0 seconds, got '${String(opts.durationSec)}'`)
  checkWindow(opts.window)
  // autocannon rejects timeouts below 1 s ("timeout must be greater than 0" for 0.5, confusingly).
  if (!Number.isFinite(opts.timeoutSec) || opts.timeoutSec < 1) {
    throw new Error(`request timeout must be ≥ 1 second (autocannon's minimum), got '${String(opts.timeoutSec)}'`)
  }
}

/** What one answered or failed request was, for a gated load's event sink. */
export type LoadEventKind = 'ok' | 'non2xx' | 'error' | 'timeout'

/** Receives every answered or failed request of a gated load: when (performance.now()), what, and its latency. */
export type LoadEventSink = (kind: LoadEventKind, tMs: number, latencyUs: number) => void

/** A closed-loop load whose sending a LoadGate controls; `end` tears it down and checks its totals. */
export interface GatedLoad {
  gate: LoadGate
  /** Stop for good (connections closed); rejects when the load failed or its own totals disagree with the events. */
  end(): Promise<void>
}

/** How long a gated load's end may wait for autocannon to stop. */
const END_BOUND_MS = 5000

/** Options of a gated HTTP load: no window (the caller decides what counts), no duration (the caller ends it). */
export type GatedHttpOptions = Pick<LoadOptions, 'url' | 'connections' | 'timeoutSec' | 'method' | 'headers' | 'body'>

/** autocannon's client as the gate needs it: the private send step (autocannon 9 lib/httpClient.js) and its timer. */
interface GateableClient {
  _doRequest: (...args: unknown[]) => void
  timeoutTicker?: { clear(): void }
}

/**
 * Start a closed-loop HTTP load behind a closed gate: connections open at once and wait; each sends
 * while `gate` is open. autocannon has no pause, so its `setupClient` hook wraps each client's private
 * send step (`_doRequest`, autocannon 9): while the gate is closed the client parks instead of sending,
 * and its request timer is cleared (an idle connection must not time out). The wrap is checked by the
 * gated-load unit tests against a real local server, so an autocannon that changes it fails there.
 */
export function startGatedHttpLoad(opts: GatedHttpOptions, sink: LoadEventSink): GatedLoad {
  validate({ ...opts, warmupSec: 0, durationSec: 1 })
  const gate = new LoadGate(opts.connections)
  const total = emptyTally()
  let failure: Error | null = null
  let finished: ((r: autocannon.Result | undefined) => void) | undefined
  const result = new Promise<autocannon.Result | undefined>((resolve) => (finished = resolve))
  // setupClient runs inside autocannon's own call, before it returns the instance it may need to stop.
  const started: { instance?: autocannon.Instance } = {}
  const instance = autocannon(
    {
      url: opts.url,
      connections: opts.connections,
      // A bound only (a day): the caller ends the load.
      duration: 86400,
      timeout: opts.timeoutSec,
      pipelining: 1,
      sampleInt: SAMPLE_INTERVAL_MS,
      method: (opts.method ?? 'GET') as autocannon.Request['method'],
      headers: opts.headers,
      body: opts.body,
      setupClient: (c: autocannon.Client) => {
        if (gateClient(c, gate)) return
        failure ??= new Error('autocannon client has no _doRequest: the gated load needs autocannon 9')
        started.instance?.stop()
      }
    },
    (err: unknown, r: autocannon.Result) => {
      if (err) failure ??= new Error(`autocannon failed against ${opts.url}: ${errorMessageOf(err)}`)
      finished?.(r)
    }
  )
  started.instance = instance
  const run = instance
  run.on('response', (_client: unknown, statusCode: number, _resBytes: number, responseTime: number) => {
    const ok = statusCode >= 200 && statusCode < 300
    total.responses++
    if (ok) total.ok++
    sink(ok ? 'ok' : 'non2xx', performance.now(), msToUs(responseTime))
  })
  run.on('reqError', (e: unknown) => {
    const timeout = e instanceof Error && e.message === 'request timed out'
    if (timeout) total.timeouts++
    else total.errors++
    sink(timeout ? 'timeout' : 'error', performance.now(), 0)
  })
  return {
    gate,
    async end() {
      gate.release()
      run.stop()
      // autocannon acts on stop at its next 100 ms tick; a bound, so that a teardown can never hang.
      const r = await Promise.race([
        result,
        new Promise<'late'>((res) => setTimeout(() => res('late'), END_BOUND_MS).unref())
      ])
      if (r === 'late') throw new Error(`autocannon did not stop within ${END_BOUND_MS} ms against ${opts.url}`)
      if (failure !== null) throw failure
      if (r !== undefined) assertTotalsAgree(r, total)
    }
  }
}

/** Wrap the client's send step so that it sends only while `gate` admits it; false when autocannon has none. */
function gateClient(c: autocannon.Client, gate: LoadGate): boolean {
  const client = c as unknown as GateableClient
  const send = client._doRequest
  if (typeof send !== 'function') return false
  const gated = function (this: unknown, ...args: unknown[]): void {
    if (gate.admit(() => send.apply(client, args))) {
      send.apply(client, args)
      return
    }
    // Set after setupClient runs; absent only on the very first send, when no request is in flight.
    client.timeoutTicker?.clear()
  }
  client._doRequest = gated
  return true
}

/** autocannon's own totals must match the events the sink saw: a mismatch means the wrap missed requests. */
function assertTotalsAgree(r: autocannon.Result, total: Tally): void {
  const n = (k: string): number => Number((r as unknown as Record<string, unknown>)[k])
  const responses = n('1xx') + n('2xx') + n('3xx') + n('4xx') + n('5xx')
  if (n('2xx') !== total.ok || responses !== total.responses || n('timeouts') !== total.timeouts) {
    throw new Error(
      `autocannon counts disagree with the gated load's events: result 2xx=${n('2xx')}, responses=${responses}, ` +
        `timeouts=${n('timeouts')}; events 2xx=${total.ok}, responses=${total.responses}, ` +
        `timeouts=${total.timeouts} (incompatible autocannon version?)`
    )
  }
}

function errorMessageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
