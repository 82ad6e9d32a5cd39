/**
 * Closed-loop gRPC load, the same model as load.ts (autocannon) for HTTP: `connections` concurrent
 * in-flight unary calls, each a loop (call → on its answer call again), a discarded warm-up, then a
 * measured phase timed with process.hrtime and a µs latency histogram.
 *
 * The calls are made with node:http2 directly (gRPC over HTTP/2 as the protocol spec defines it:
 * POST, `content-type: application/grpc`, `te: trailers`, a length-prefixed message, `grpc-status` in
 * the trailers), not through @grpc/grpc-js's client: measured on the 2-core reference machine against
 * the fixture, the grpc-js client spent 230–260 µs of CPU per call against 70–77 µs for this loop, so
 * with grpc-js the load generator saturated before the service (the gate then measured the load
 * generator and understated tracing overhead). @grpc/grpc-js still does the readiness probe
 * ({@link probeGrpc}), so the method, its path and its response type are checked by the real library
 * before every round.
 *
 * - Calls are spread over a few HTTP/2 connections (`channels`, default min(connections, 8), and at
 *   most 100 calls per connection, a common server stream limit). Warm-up and measured phase share
 *   them (warm connections, unlike load.ts which opens fresh ones); at the end of a phase the calls
 *   still in flight are cancelled (RST_STREAM CANCEL) and not counted. A connection that fails or is
 *   closed by the server is replaced on the next call.
 * - Every call sends the same pre-encoded request; the answer is not decoded (its status is counted).
 * - Deadline: `grpc-timeout` is sent and a local timer cancels the call after `timeoutSec`.
 * - Outcomes: OK → `ok` (latency recorded); DEADLINE_EXCEEDED (local or from the server) →
 *   `timeouts`; UNAVAILABLE and transport failures (refused or reset connection, a stream that ends
 *   without a grpc-status) → `errors`; any other status → `non2xx` (the HTTP "non-2xx" of a gRPC
 *   answer). A non-200 HTTP status is mapped as the gRPC spec says (404 → UNIMPLEMENTED, 503 →
 *   UNAVAILABLE, …). `statuses` has the count per status name (transport failures as UNAVAILABLE).
 */
import * as http2 from 'node:http2'
import * as grpc from '@grpc/grpc-js'
import { createLatencyHistogram, summarizeLatency } from './histogram.js'
import { errorRateOf, type GatedLoad, type LoadEventSink, type LoadRun } from './load.js'
import { LoadGate } from './gate.js'
import type { GrpcTarget } from './grpc-target.js'
import {
  checkWindow,
  countInSecond,
  perSecondCounts,
  placeInWindow,
  scheduleWindow,
  warmupSecOf,
  windowAfter,
  windowSec,
  type MeasureWindow
} from './window.js'

export {
  loadGrpcTarget,
  GrpcTargetError,
  type GrpcTarget,
  type GrpcTargetSpec,
  type GrpcTargetField
} from './grpc-target.js'

/** One gRPC load phase: optional warm-up, then the measured window. */
export interface GrpcLoadOptions {
  /** `host:port` of the service, e.g. `127.0.0.1:50051` (plaintext). */
  address: string
  target: GrpcTarget
  /** Concurrent in-flight calls. */
  connections: number
  /** HTTP/2 connections the calls are spread over (default min(connections, 8), ≥ connections / 100). */
  channels?: number
  /** Load applied and discarded before the window (0 = none). Ignored when `window` is given. */
  warmupSec: number
  /** Measured seconds. Ignored when `window` is given. */
  durationSec: number
  /** The measured window shared by arms loaded at once (src/load/window.ts; default: after `warmupSec` from now). */
  window?: MeasureWindow
  /** Per-call deadline in seconds. */
  timeoutSec: number
  /** Called ~once a second during the measured phase with OK answers so far (for progress). */
  onProgress?: (p: { elapsedSec: number; ok: number }) => void
  /** Called when the window opens, e.g. to start a CPU sampler. */
  onMeasureStart?: () => void
  /** Called when the window closes (the load runs on briefly). */
  onMeasureEnd?: () => void
}

/** The measured result (`non2xx` = non-OK statuses) plus the count of each gRPC status name. */
export interface GrpcLoadRun extends LoadRun {
  statuses: Record<string, number>
  /** Details of the first failed call of the measured phase, for error messages. */
  firstError?: string
}

const DEFAULT_MAX_CHANNELS = 8
/** Calls per connection above which another connection is opened (servers often allow 100 streams). */
const MAX_CALLS_PER_CHANNEL = 100
/** Receive windows: with the 64 KiB defaults many concurrent answers would wait for WINDOW_UPDATEs. */
const STREAM_WINDOW_BYTES = 1 << 20
const SESSION_WINDOW_BYTES = 16 << 20

const STATUS = grpc.status
const STATUS_NAMES = STATUS as unknown as Record<number, string>

function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `STATUS_${code}`
}

/** HTTP status → gRPC status when an answer carries no grpc-status (grpc/doc/http-grpc-status-mapping.md). */
function statusFromHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return STATUS.INTERNAL
    case 401:
      return STATUS.UNAUTHENTICATED
    case 403:
      return STATUS.PERMISSION_DENIED
    case 404:
      return STATUS.UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return STATUS.UNAVAILABLE
    default:
      return STATUS.UNKNOWN
  }
}

/** The gRPC length-prefixed message: compressed flag 0, big-endian length, bytes. */
function frameMessage(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length)
  frame.writeUInt32BE(message.length, 1)
  message.copy(frame, 5)
  return frame
}

/** grpc-timeout header value: at most 8 digits and a unit. */
function timeoutHeader(ms: number): string {
  const m = Math.max(1, Math.ceil(ms))
  return m <= 99_999_999 ? `${m}m` : `${Math.min(99_999_999, Math.ceil(m / 1000))}S`
}

/** Request headers of every call (each call passes its own shallow copy to http2). */
function requestHeaders(target: GrpcTarget, timeoutMs: number): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': target.path,
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-timeout': timeoutHeader(timeoutMs),
    'user-agent': 'otlp-perf-gate-grpc-load'
  }
  for (const [k, v] of target.metadata) {
    const value = typeof v === 'string' ? v : v.toString('base64')
    const prev = headers[k]
    // Repeated keys: comma-joined, as HTTP/2 header semantics allow (binary values are base64, comma-safe).
    headers[k] = prev === undefined ? value : `${String(prev)},${value}`
  }
  return headers
}

/** One HTTP/2 connection, replaced on the next call once it failed or was closed. */
class Channel {
  private session: http2.ClientHttp2Session | null = null
  constructor(private readonly authority: string) {}

  get(): http2.ClientHttp2Session {
    const s = this.session
    if (s !== null && !s.closed && !s.destroyed) return s
    const session = http2.connect(this.authority, {
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW_BYTES }
    })
    // Without an 'error' listener a refused connection would be an uncaught exception; the calls on
    // it fail through their own streams, and the next call reconnects.
    session.on('error', () => {})
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES))
    const drop = (): void => {
      if (this.session === session) this.session = null
    }
    session.once('close', drop)
    session.once('goaway', drop)
    this.session = session
    return session
  }

  close(): void {
    this.session?.destroy()
    this.session = null
  }
}

type Outcome = { kind: 'ok' } | { kind: 'failed'; code: number | null; detail: string }

/** One unary call; `done` runs exactly once unless the call is cancelled first. Returns a cancel function. */
function unaryCall(
  channel: Channel,
  headers: http2.OutgoingHttpHeaders,
  frame: Buffer,
  timeoutMs: number,
  done: (o: Outcome) => void
): () => void {
  let finished = false
  let stream: http2.ClientHttp2Stream | null = null
  const finish = (o: Outcome): void => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    done(o)
  }
  const timer = setTimeout(() => {
    finish({ kind: 'failed', code: STATUS.DEADLINE_EXCEEDED, detail: `no answer within ${timeoutMs} ms` })
    stream?.close(http2.constants.NGHTTP2_CANCEL)
  }, timeoutMs)
  try {
    stream = channel.get().request({ ...headers })
  } catch (e) {
    // e.g. the session is closing (GOAWAY) or already destroyed: a transport failure, reported asynchronously.
    const detail = e instanceof Error ? e.message : String(e)
    setImmediate(() => finish({ kind: 'failed', code: null, detail }))
    return () => {
      finished = true
      clearTimeout(timer)
    }
  }
  let httpStatus: number | undefined
  let grpcStatus: string | undefined
  let grpcMessage: string | undefined
  stream.on('response', (h) => {
    httpStatus = Number(h[':status'])
    // Trailers-only answer: the status is in the headers.
    if (h['grpc-status'] !== undefined) {
      grpcStatus = String(h['grpc-status'])
      grpcMessage = h['grpc-message'] === undefined ? undefined : String(h['grpc-message'])
    }
  })
  stream.on('trailers', (t) => {
    grpcStatus = String(t['grpc-status'])
    grpcMessage = t['grpc-message'] === undefined ? undefined : String(t['grpc-message'])
  })
  // The answer is not decoded, but it must be read for the stream to end.
  stream.on('data', () => {})
  stream.on('error', (e: Error) => finish({ kind: 'failed', code: null, detail: e.message }))
  stream.on('close', () => {
    if (grpcStatus !== undefined) {
      const code = Number(grpcStatus)
      if (code === STATUS.OK) finish({ kind: 'ok' })
      else
        finish({
          kind: 'failed',
          code: Number.isInteger(code) ? code : STATUS.UNKNOWN,
          detail: decodeGrpcMessage(grpcMessage)
        })
    } else if (httpStatus !== undefined && httpStatus !== 200) {
      finish({ kind: 'failed', code: statusFromHttp(httpStatus), detail: `HTTP ${httpStatus} without grpc-status` })
    } else {
      finish({
        kind: 'failed',
        code: null,
        detail: `stream closed without a grpc-status (RST_STREAM code ${stream?.rstCode ?? '?'})`
      })
    }
  })
  stream.end(frame)
  return () => {
    if (finished) return
    finished = true
    clearTimeout(timer)
    stream?.close(http2.constants.NGHTTP2_CANCEL)
  }
}

/** grpc-message is percent-encoded. */
function decodeGrpcMessage(m: string | undefined): string {
  if (m === undefined) return ''
  try {
    return decodeURIComponent(m)
  } catch {
    return m
  }
}

/**
 * Load from now until just after the measured window (after `warmupSec`, `durationSec` long, or
 * `opts.window`), on the same connections throughout; answers count by the moment they complete
 * (src/load/window.ts). QPS = OK answers inside the window / the window's seconds.
 */
export async function runGrpcLoad(opts: GrpcLoadOptions): Promise<GrpcLoadRun> {
  validate(opts)
  const startMs = performance.now()
  const window = opts.window ?? windowAfter(opts.warmupSec, opts.durationSec, startMs)
  const n =
    opts.channels ??
    Math.max(Math.min(opts.connections, DEFAULT_MAX_CHANNELS), Math.ceil(opts.connections / MAX_CALLS_PER_CHANNEL))
  const authority = `http://${opts.address}`
  const channels = Array.from({ length: n }, () => new Channel(authority))
  try {
    const m = await runPhase(channels, opts, window)
    const durationSec = windowSec(window)
    return {
      durationSec,
      // Answers from the service, OK or not (transport errors and timeouts are not answers).
      responses: m.ok + m.non2xx,
      ok: m.ok,
      non2xx: m.non2xx,
      errors: m.errors,
      timeouts: m.timeouts,
      qps: m.ok / durationSec,
      errorRate: errorRateOf({ responses: m.ok + m.non2xx, non2xx: m.non2xx, errors: m.errors, timeouts: m.timeouts }),
      latency: m.latency,
      okPerSecond: m.okPerSecond,
      histogram: m.histogram,
      warmup: { ok: m.warmupOk, durationSec: warmupSecOf(window, startMs) },
      statuses: m.statuses,
      ...(m.firstError !== undefined ? { firstError: m.firstError } : {})
    }
  } finally {
    for (const c of channels) c.close()
  }
}

/** What the window saw (every field but `warmupOk`: answers completed inside it). */
interface PhaseOutcome {
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  statuses: Record<string, number>
  firstError?: string
  latency: LoadRun['latency']
  histogram: NonNullable<LoadRun['histogram']>
  /** OK answers completed before the window (the warm-up). */
  warmupOk: number
  /** OK answers inside the window, per second of it. */
  okPerSecond: number[]
}

/** Count one finished call by where it completed: inside the window in full, before it only as warm-up. */
function countCall(
  out: PhaseOutcome,
  o: Outcome,
  latencyUs: number,
  hist: ReturnType<typeof createLatencyHistogram>
): void {
  if (o.kind === 'ok') {
    out.ok++
    out.statuses.OK = (out.statuses.OK ?? 0) + 1
    hist.recordValue(latencyUs)
    return
  }
  // Transport failures count as UNAVAILABLE, the status grpc-js gives a refused or lost connection.
  const name = statusName(o.code ?? STATUS.UNAVAILABLE)
  out.statuses[name] = (out.statuses[name] ?? 0) + 1
  if (o.code === STATUS.DEADLINE_EXCEEDED) out.timeouts++
  else if (o.code === null || o.code === STATUS.UNAVAILABLE) out.errors++
  else out.non2xx++
  out.firstError ??= `${name}: ${o.detail}`
}

function runPhase(channels: Channel[], opts: GrpcLoadOptions, window: MeasureWindow): Promise<PhaseOutcome> {
  const hist = createLatencyHistogram()
  const out: PhaseOutcome = {
    ok: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    statuses: {},
    latency: summarizeLatency(hist),
    histogram: hist,
    warmupOk: 0,
    okPerSecond: perSecondCounts(window)
  }
  const timeoutMs = opts.timeoutSec * 1000
  const headers = requestHeaders(opts.target, timeoutMs)
  const frame = frameMessage(opts.target.requestBytes)
  const cancels = new Map<number, () => void>()
  let stopped = false
  let hookError: unknown = null

  return new Promise<PhaseOutcome>((resolve, reject) => {
    const issue = (worker: number): void => {
      if (stopped) return
      const channel = channels[worker % channels.length] as Channel
      const start = process.hrtime.bigint()
      const cancel = unaryCall(channel, headers, frame, timeoutMs, (o) => {
        cancels.delete(worker)
        if (stopped) return
        const now = performance.now()
        const where = placeInWindow(window, now)
        if (where === 'inside') {
          countCall(out, o, Math.max(1, Math.round(Number(process.hrtime.bigint() - start) / 1000)), hist)
          if (o.kind === 'ok') countInSecond(out.okPerSecond, window, now)
        } else if (where === 'before' && o.kind === 'ok') out.warmupOk++
        // A failure can come back without any I/O (e.g. a refused connection); going through
        // setImmediate keeps such a loop from starving the timer that ends the phase.
        if (o.kind === 'ok') issue(worker)
        else setImmediate(() => issue(worker))
      })
      cancels.set(worker, cancel)
    }

    let cancelHooks = (): void => {}
    const finish = (): void => {
      if (stopped) return
      stopped = true
      cancelHooks()
      for (const cancel of cancels.values()) cancel()
      cancels.clear()
      out.latency = summarizeLatency(hist)
      if (hookError !== null) reject(hookError)
      else resolve(out)
    }
    const fail = (e: unknown): void => {
      hookError ??= e
      finish()
    }
    const onProgress = opts.onProgress
    cancelHooks = scheduleWindow(
      window,
      {
        onStart: opts.onMeasureStart,
        onEnd: opts.onMeasureEnd,
        onProgress: onProgress && ((elapsedSec) => onProgress({ elapsedSec, ok: out.ok })),
        stop: finish
      },
      fail
    )
    for (let w = 0; w < opts.connections; w++) issue(w)
  })
}

function validate(opts: GrpcLoadOptions): void {
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(opts.address)) {
    throw new Error(`gRPC load address must be host:port (e.g. 127.0.0.1:50051), got '${opts.address}'`)
  }
  if (!Number.isInteger(opts.connections) || opts.connections < 1) {
    throw new Error(`load connections must be a positive integer, got '${String(opts.connections)}'`)
  }
  if (opts.channels !== undefined && (!Number.isInteger(opts.channels) || opts.channels < 1)) {
    throw new Error(`gRPC channels must be a positive integer, got '${String(opts.channels)}'`)
  }
  if (!Number.isFinite(opts.warmupSec) || opts.warmupSec < 0)
    throw new Error(`warm-up must be ≥ 0 seconds, got '${String(opts.warmupSec)}'`)
  if (!Number.isFinite(opts.durationSec) || opts.durationSec <= 0)
    throw new Error(`load duration must be > 0 seconds, got '${String(opts.durationSec)}'`)
  if (!Number.isFinite(opts.timeoutSec) || opts.timeoutSec <= 0)
    throw new Error(`call deadline must be > 0 seconds, got '${String(opts.timeoutSec)}'`)
  checkWindow(opts.window)
}

const identity = (b: Buffer): Buffer => b

function metadataOf(target: GrpcTarget): grpc.Metadata {
  const md = new grpc.Metadata()
  for (const [k, v] of target.metadata) md.add(k, v)
  return md
}

/** Result of one readiness probe. */
export interface GrpcProbeResult {
  ok: boolean
  /** `OK` or the status and details of the failure, for "last poll: …" messages. */
  detail: string
}

/**
 * One call of the target method on a fresh channel (closed afterwards, so no connection lingers into
 * the measured round, and no reconnect backoff carries over from an earlier refused attempt). OK with a
 * decodable response message means ready.
 */
export function probeGrpc(address: string, target: GrpcTarget, timeoutMs: number): Promise<GrpcProbeResult> {
  // A local subchannel pool: a fresh connection, not one shared with (and backed off by) earlier probes.
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 })
  return new Promise<GrpcProbeResult>((resolve) => {
    client.makeUnaryRequest<Buffer, Buffer>(
      target.path,
      identity,
      identity,
      target.requestBytes,
      metadataOf(target),
      { deadline: Date.now() + timeoutMs },
      (err, response) => {
        if (err !== null) {
          resolve({ ok: false, detail: `${statusName(err.code)}: ${err.details}` })
          return
        }
        try {
          target.decodeResponse(response ?? Buffer.alloc(0))
          resolve({ ok: true, detail: 'OK' })
        } catch (e) {
          resolve({
            ok: false,
            detail:
              `OK, but the response is not a valid message of the method's response type: ` +
              `${e instanceof Error ? e.message : String(e)}`
          })
        }
      }
    )
  }).finally(() => client.close())
}

/** A readiness check for startService: the target method answering OK. */
export function grpcReadyCheck(
  address: string,
  target: GrpcTarget
): { label: string; probe: (timeoutMs: number) => Promise<GrpcProbeResult> } {
  return {
    label: `gRPC ${target.method} on ${address} to answer OK`,
    probe: (timeoutMs) => probeGrpc(address, target, timeoutMs)
  }
}

/**
 * Call the target method until it answers OK, every `intervalMs`, for at most `timeoutMs`; throws
 * with the last status otherwise. For callers that do not start the service through startService.
 */
export async function waitGrpcReady(opts: {
  address: string
  target: GrpcTarget
  timeoutMs: number
  intervalMs?: number
}): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs
  let last = 'no answer yet'
  for (;;) {
    const remaining = deadline - Date.now()
    if (remaining <= 0)
      throw new Error(
        `gRPC ${opts.target.method} on ${opts.address} did not answer OK within ${opts.timeoutMs} ms (last: ${last})`
      )
    const r = await probeGrpc(opts.address, opts.target, Math.max(10, Math.min(1000, remaining)))
    if (r.ok) return
    last = r.detail
    await new Promise((res) => setTimeout(res, Math.min(opts.intervalMs ?? 50, Math.max(0, deadline - Date.now()))))
  }
}

/** A gated gRPC load (see startGatedGrpcLoad): the gate, the status counts so far, and its end. */
export interface GatedGrpcLoad extends GatedLoad {
  statuses: Record<string, number>
  firstError(): string | undefined
}

/**
 * Start a closed-loop gRPC load behind a closed gate (src/load/gate.ts): `connections` call loops on
 * `channels` HTTP/2 connections that stay open for the whole block; a loop whose gate is closed parks
 * instead of calling again. Every answered or failed call goes to `sink` as it completes.
 */
export function startGatedGrpcLoad(
  opts: Pick<GrpcLoadOptions, 'address' | 'target' | 'connections' | 'channels' | 'timeoutSec'>,
  sink: LoadEventSink
): GatedGrpcLoad {
  validate({ ...opts, warmupSec: 0, durationSec: 1 })
  const n =
    opts.channels ??
    Math.max(Math.min(opts.connections, DEFAULT_MAX_CHANNELS), Math.ceil(opts.connections / MAX_CALLS_PER_CHANNEL))
  const channels = Array.from({ length: n }, () => new Channel(`http://${opts.address}`))
  const timeoutMs = opts.timeoutSec * 1000
  const headers = requestHeaders(opts.target, timeoutMs)
  const frame = frameMessage(opts.target.requestBytes)
  const gate = new LoadGate(opts.connections)
  const cancels = new Map<number, () => void>()
  const statuses: Record<string, number> = {}
  let first: string | undefined
  let ended = false
  const issue = (worker: number): void => {
    if (ended || !gate.admit(() => issue(worker))) return
    const channel = channels[worker % channels.length] as Channel
    const start = process.hrtime.bigint()
    const cancel = unaryCall(channel, headers, frame, timeoutMs, (o) => {
      cancels.delete(worker)
      if (ended) return
      const latencyUs = Math.max(1, Math.round(Number(process.hrtime.bigint() - start) / 1000))
      const name = o.kind === 'ok' ? 'OK' : statusName(o.code ?? STATUS.UNAVAILABLE)
      statuses[name] = (statuses[name] ?? 0) + 1
      if (o.kind === 'ok') sink('ok', performance.now(), latencyUs)
      else {
        first ??= `${name}: ${o.detail}`
        const kind =
          o.code === STATUS.DEADLINE_EXCEEDED
            ? 'timeout'
            : o.code === null || o.code === STATUS.UNAVAILABLE
              ? 'error'
              : 'non2xx'
        sink(kind, performance.now(), latencyUs)
      }
      // As in runPhase: a failure without I/O must not starve the timers.
      if (o.kind === 'ok') issue(worker)
      else setImmediate(() => issue(worker))
    })
    cancels.set(worker, cancel)
  }
  for (let w = 0; w < opts.connections; w++) issue(w)
  return {
    gate,
    statuses,
    firstError: () => first,
    async end() {
      ended = true
      gate.release()
      for (const cancel of cancels.values()) cancel()
      cancels.clear()
      for (const c of channels) c.close()
    }
  }
}
