/**
 * The checks after every round: a fault must never turn into a verdict. Failed requests above the
 * limit, no successful response, no spans while tracing is on, spans while it is off.
 */
import type { Config } from '../config/config.js'
import { GateError } from '../errors.js'
import type { ArmSpec, LoadResult, OtlpCounts, SpanWindowCounts } from '../types.js'
import { checkSampling } from '../otlp/accounting.js'
import { fmtPct } from '../format.js'

const pct = (x: number): string => fmtPct(x, { digits: 2 })

/** Failed requests above 'max-error-rate' in any measured phase fail the run: a failing service is not a faster one. */
export function assertErrorRate(
  config: Pick<Config, 'maxErrorRate'>,
  where: string,
  load: LoadResult,
  detail: string,
  logFile: string,
  logTail: string
): void {
  if (load.errorRate <= config.maxErrorRate) return
  throw new GateError(
    'error-rate',
    `${where}: ${pct(load.errorRate)} of requests failed (${load.non2xx} non-2xx, ${load.errors} errors, ` +
      `${load.timeouts} timeouts of ${load.responses + load.errors + load.timeouts}), above 'max-error-rate' ` +
      `${pct(config.maxErrorRate)}. A failing service is not a faster one.\n` +
      detail +
      `Last lines of the service log (${logFile}):\n${logTail}`
  )
}

/** A measured phase with no successful response is a fault, not a 0-QPS round. */
export function assertServed(where: string, load: LoadResult, logTail: string): void {
  if (load.ok > 0) return
  throw new GateError('load', `${where}: no successful response in ${load.durationSec.toFixed(1)} s.\n${logTail}`)
}

/**
 * Spans must come exactly when the arm traces: none is a misconfigured SDK, some while off is an "off" that is not off.
 */
export function assertSpans(
  config: Pick<Config, 'otlpProtocol'>,
  where: string,
  arm: ArmSpec,
  otlp: OtlpCounts,
  endpoint: string,
  logFile: string,
  logTail: string
): void {
  if (arm.tracing && otlp.spans === 0) {
    throw new GateError(
      'no-spans',
      `${where}: tracing was on (${arm.label}) but the service exported no span to ` +
        `${endpoint} (${otlp.requests} export requests, ${otlp.rejected} rejected). Measuring it would report a ` +
        `meaningless overhead. Make the service's OpenTelemetry SDK read the standard environment: ` +
        `OTEL_EXPORTER_OTLP_ENDPOINT (the gate sets it to ` +
        `${endpoint}${config.otlpProtocol === 'grpc' ? ', OTLP/gRPC' : '; the SDK appends /v1/traces'}), ` +
        `OTEL_EXPORTER_OTLP_PROTOCOL=${config.otlpProtocol}, OTEL_TRACES_SAMPLER(_ARG), OTEL_SDK_DISABLED, and flush ` +
        `spans on SIGTERM (e.g. sdk.shutdown()).\nLast lines of the service log (${logFile}):\n${logTail}`
    )
  }
  if ((arm.kind === 'off' || arm.kind === 'none' || arm.kind === 'recording') && otlp.spans > 0) {
    const howOff =
      arm.kind === 'none' ? 'the uninstrumented command' : 'OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none'
    const off = arm.kind === 'recording' ? 'export was off (OTEL_TRACES_EXPORTER=none)' : `tracing was off (${howOff})`
    throw new GateError(
      'spans-when-off',
      `${where}: ${off} ` +
        `but the service still exported ${otlp.spans} spans, so "off" is not off and every overhead would be ` +
        `understated. Make the service honour OTEL_SDK_DISABLED (some SDKs need it wired by hand).`
    )
  }
}

/**
 * The sampled fraction of a round: at ratio r the roots started in the measured window are
 * Binomial(responses, r); a shortfall (or excess) beyond 4σ means spans were lost (or something else
 * was counted), and the overhead of such a round would be understated.
 */
export function assertSampledFraction(
  where: string,
  arm: ArmSpec,
  load: LoadResult,
  window: SpanWindowCounts,
  /**
   * Requests in flight at one edge of the measured window, summed over the window's parts (alternating: one per slice).
   */
  connections: number,
  logTail: string
): void {
  if (arm.kind !== 'sampled' || arm.samplingRate === null || arm.samplingRate === 0) return
  const check = checkSampling({
    requests: load.responses,
    roots: window.roots,
    ratio: arm.samplingRate,
    // Both edges: warm-up requests queued in the server when the window opens start their spans inside
    // it, and requests still queued when it closes have neither a response nor (yet) a span.
    inFlight: 2 * connections,
    spansPerTrace: window.traces > 0 ? window.traceSpans / window.traces : 1
  })
  if (check.ok) return
  throw new GateError('lost-spans', `${where}: ${check.error}\nLast lines of the service log:\n${logTail}`)
}
