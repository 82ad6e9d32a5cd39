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
 *   `duration` (default sampleInt 1 s: a 2 s round took 3.0 s), so we tick every 100 ms and
 *   time the measured instance ourselves with process.hrtime.
 */
import autocannon from 'autocannon'
import type { LoadResult } from '../types.js'
import { createLatencyHistogram, msToUs, summarizeLatency } from './histogram.js'

/** One load round: optional warm-up, then the measured phase. */
export interface LoadOptions {
  url: string
  connections: number
  /** Load applied and discarded before measuring (0 = none). */
  warmupSec: number
  /** Measured seconds. */
  durationSec: number
  /** Per-request timeout in seconds (autocannon requires ≥ 1). */
  timeoutSec: number
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Called ~once a second during the measured phase with 2xx responses so far (for progress). */
  onProgress?: (p: { elapsedSec: number; ok: number }) => void
  /** Called synchronously right before the measured phase starts (after warm-up), e.g. to start a CPU sampler. */
  onMeasureStart?: () => void
}

/** The measured result plus what the discarded warm-up did. */
export interface LoadRun extends LoadResult {
  warmup: { ok: number; durationSec: number }
}

/** autocannon's sample tick, which is also how often it checks whether the duration is over. */
const SAMPLE_INTERVAL_MS = 100

/** Extra time granted beyond duration + request timeout before the watchdog gives up. */
const WATCHDOG_SLACK_SEC = 10

/**
 * Warm up (a separate, discarded autocannon instance), then measure with a fresh instance —
 * whose connections are new, so the first request on each includes a TCP connect.
 * QPS = 2xx responses / measured wall-clock seconds.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadRun> {
  validate(opts)
  let warmup = { ok: 0, durationSec: 0 }
  if (opts.warmupSec > 0) {
    const w = await runPhase(opts, opts.warmupSec, false)
    warmup = { ok: w.ok, durationSec: w.elapsedSec }
  }
  opts.onMeasureStart?.()
  const m = await runPhase(opts, opts.durationSec, true)
  return { ...toLoadResult(m), warmup }
}

/** One autocannon run plus what we counted ourselves. */
export interface PhaseOutcome {
  result: autocannon.Result
  elapsedSec: number
  /** 2xx responses seen through the response event. */
  ok: number
  /** All responses seen through the response event. */
  responses: number
  latency: LoadResult['latency']
}

function runPhase(opts: LoadOptions, durationSec: number, measured: boolean): Promise<PhaseOutcome> {
  const hist = createLatencyHistogram()
  let ok = 0
  let responses = 0
  let progressError: unknown = null
  return new Promise<PhaseOutcome>((resolve, reject) => {
    let settled = false
    let watchdog: NodeJS.Timeout | undefined
    const t0 = process.hrtime.bigint()
    const elapsed = (): number => Number(process.hrtime.bigint() - t0) / 1e9
    const phase = measured ? 'measured phase' : 'warm-up'
    const limitSec = durationSec + opts.timeoutSec + WATCHDOG_SLACK_SEC

    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: durationSec,
        timeout: opts.timeoutSec,
        pipelining: 1,
        // autocannon only acts on its stop flag at the next sample tick: with the default 1 s
        // a 2 s round measured 3.0 s here (the tick won the race against the stop timer).
        // 100 ms ticks bound the overshoot; the per-sample histograms this feeds are unused.
        sampleInt: SAMPLE_INTERVAL_MS,
        method: (opts.method ?? 'GET') as autocannon.Request['method'],
        headers: opts.headers,
        body: opts.body
      },
      (err: unknown, result: autocannon.Result) => {
        // Runs synchronously for invalid options, i.e. before `watchdog` is set.
        if (settled) return
        settled = true
        clearTimeout(watchdog)
        const elapsedSec = elapsed()
        if (err) {
          reject(new Error(`autocannon failed (${phase}) against ${opts.url}: ${err instanceof Error ? err.message : String(err)}`))
        } else if (progressError !== null) {
          reject(progressError)
        } else {
          resolve({ result, elapsedSec, ok, responses, latency: summarizeLatency(hist) })
        }
      }
    )
    if (settled) return

    instance.on('response', (_client: unknown, statusCode: number, _resBytes: number, responseTime: number) => {
      responses++
      if (statusCode >= 200 && statusCode < 300) {
        ok++
        if (measured) hist.recordValue(msToUs(responseTime))
      }
    })
    if (measured && opts.onProgress) {
      const onProgress = opts.onProgress
      instance.on('tick', () => {
        if (progressError !== null || settled) return
        try {
          onProgress({ elapsedSec: elapsed(), ok })
        } catch (e) {
          // Thrown inside autocannon's timer it would be an uncaught exception; fail the run at its end instead.
          progressError = e
        }
      })
    }
    watchdog = setTimeout(() => {
      if (settled) return
      settled = true
      instance.stop()
      reject(
        new Error(
          `autocannon did not finish the ${phase} against ${opts.url} within ${limitSec} s ` +
            `(duration ${durationSec} s + request timeout ${opts.timeoutSec} s + ${WATCHDOG_SLACK_SEC} s); stopped it.`
        )
      )
    }, limitSec * 1000)
  })
}

/** Map autocannon's result (validated at this boundary) and our own counts to a LoadResult. */
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
  // Our histogram and autocannon count the same 'response' events; a mismatch means autocannon
  // changed how it reports and our latency would describe different responses than its counts.
  if (ok !== m.ok || responses !== m.responses || non2xx !== responses - ok) {
    throw new Error(
      `autocannon counts disagree with its response events: result 2xx=${ok}, responses=${responses}, non2xx=${non2xx}; ` +
        `events 2xx=${m.ok}, responses=${m.responses} (incompatible autocannon version?)`
    )
  }
  if (errorsInclTimeouts < timeouts) {
    throw new Error(`autocannon reported fewer errors (${errorsInclTimeouts}) than timeouts (${timeouts}); expected errors to include timeouts`)
  }
  const errors = errorsInclTimeouts - timeouts
  const attempts = responses + errors + timeouts
  return {
    durationSec: m.elapsedSec,
    responses,
    ok,
    non2xx,
    errors,
    timeouts,
    qps: m.elapsedSec > 0 ? ok / m.elapsedSec : 0,
    errorRate: attempts === 0 ? 0 : (non2xx + errors + timeouts) / attempts,
    latency: m.latency
  }
}

function validate(opts: LoadOptions): void {
  let url: URL
  try {
    url = new URL(opts.url)
  } catch {
    throw new Error(`load target URL is not a valid URL: '${opts.url}'`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`load target URL must be http(s), got '${opts.url}'`)
  if (!Number.isInteger(opts.connections) || opts.connections < 1) {
    throw new Error(`load connections must be a positive integer, got '${String(opts.connections)}'`)
  }
  if (!Number.isFinite(opts.warmupSec) || opts.warmupSec < 0) throw new Error(`warm-up must be ≥ 0 seconds, got '${String(opts.warmupSec)}'`)
  if (!Number.isFinite(opts.durationSec) || opts.durationSec <= 0) throw new Error(`load duration must be > 0 seconds, got '${String(opts.durationSec)}'`)
  // autocannon rejects timeouts below 1 s ("timeout must be greater than 0" for 0.5, confusingly).
  if (!Number.isFinite(opts.timeoutSec) || opts.timeoutSec < 1) {
    throw new Error(`request timeout must be ≥ 1 second (autocannon's minimum), got '${String(opts.timeoutSec)}'`)
  }
}
