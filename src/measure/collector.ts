/**
 * The user's OpenTelemetry Collector in the traced arms' pipeline (`collector-command`, issue 28):
 * service → collector → gate receiver. One collector per traced process and block, started before the
 * service, drained and stopped after it. It is a contained process like a service (service/service.ts:
 * own process group, the run's caps, kill on end, redacted log, tail on failure), pinned with the load
 * generator and the receivers (not on the service's core), its process tree's CPU and RSS sampled over its
 * whole life and reported apart: the service's numbers never include it.
 *
 * Spans in are the collector's own count (otelcol_receiver_accepted_spans on its Prometheus endpoint, which
 * the gate adds through a second `--config` overlay on a loopback port it picks); spans out are what the
 * gate's receiver counted, cross-checked with the collector's otelcol_exporter_sent_spans.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ConfigError, type CollectorConfig } from '../config/config.js'
import { Inputs } from '../config/inputs.js'
import { GateError } from '../errors.js'
import type { OtlpReceiver } from '../otlp/types.js'
import { shellQuote, type Pinning } from '../service/pinning.js'
import { startResourceSampler, type ResourceSampler } from '../service/procstat.js'
import {
  findFreePort,
  ServiceError,
  startService,
  type ServiceHandle,
  type ServiceOptions
} from '../service/service.js'
import type { CollectorUsage } from '../types.js'
import { accepts, scrape } from './probe.js'
import { startSpanStore, STORE_PLACEHOLDER } from './span-store.js'

/** The placeholders of a collector config. */
export const RECEIVER_PLACEHOLDER = '{receiver}'
export const PORT_PLACEHOLDER = '{port}'

/** How often the drain looks at the receiver's count. */
const DRAIN_POLL_MS = 250
/** The drain gives up this long after its quiet period would have ended at the earliest. */
const DRAIN_CAP_SEC = 60

/** Refuse, before any load, a collector config whose pipeline cannot reach the gate or the service. */
export function checkCollectorTemplate(text: string, configPath: string): void {
  // A placeholder named only in a comment (as the fixture configs' headers do) routes nothing.
  const config = withoutComments(text)
  const missing = [RECEIVER_PLACEHOLDER, PORT_PLACEHOLDER].filter((p) => !config.includes(p))
  if (missing.length === 0) return
  const why: string[] = []
  if (missing.includes(RECEIVER_PLACEHOLDER))
    why.push(
      `${RECEIVER_PLACEHOLDER} (the gate's receiver, as the endpoint of the exporter the traces pipeline ends in: ` +
        `without it the collector does not route traces back to the gate and nothing it keeps can be counted)`
    )
  if (missing.includes(PORT_PLACEHOLDER))
    why.push(
      `${PORT_PLACEHOLDER} (the port its OTLP receiver listens on, e.g. 'endpoint: 127.0.0.1:${PORT_PLACEHOLDER}': ` +
        `the gate picks a free one per process and points the service's OTEL_EXPORTER_OTLP_ENDPOINT there)`
    )
  throw new ConfigError(
    Inputs.CollectorConfig,
    `'${Inputs.CollectorConfig}' ('${configPath}') must contain ${why.join(' and ')}; it has no ` +
      `${missing.map((m) => `'${m}'`).join(' and no ')}`
  )
}

/**
 * `span-store: jaeger` needs an exporter to {store} (else the store receives nothing and its growth says
 * nothing); without a store, a {store} would be left unfilled and the collector would fail on it.
 */
export function checkStorePlaceholder(text: string, configPath: string, withStore: boolean): void {
  const has = withoutComments(text).includes(STORE_PLACEHOLDER)
  if (withStore && !has)
    throw new ConfigError(
      Inputs.CollectorConfig,
      `'${Inputs.CollectorConfig}' ('${configPath}') must contain ${STORE_PLACEHOLDER} with ` +
        `'${Inputs.SpanStore}: jaeger' (the endpoint of an OTLP/HTTP exporter of its traces pipeline, besides ` +
        `the one to {receiver}: the gate fills in Jaeger's address); it has none`
    )
  if (!withStore && has)
    throw new ConfigError(
      Inputs.CollectorConfig,
      `'${Inputs.CollectorConfig}' ('${configPath}') contains ${STORE_PLACEHOLDER}, which only ` +
        `'${Inputs.SpanStore}: jaeger' fills in; got '${Inputs.SpanStore}: receiver' (remove the exporter to ` +
        `${STORE_PLACEHOLDER} or set '${Inputs.SpanStore}: jaeger')`
    )
}

/**
 * The YAML text without its comments: whole-line ones, and a ` #…` tail outside quotes. Good enough for
 * finding placeholders (not a YAML parser: a block scalar holding a '#' line loses that line, which can only
 * hide a placeholder and so errs on the side of refusing).
 */
export function withoutComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let quote: string | null = null
      for (let i = 0; i < line.length; i++) {
        const ch = line[i] as string
        if (quote !== null) {
          if (ch === quote) quote = null
        } else if (ch === "'" || ch === '"') quote = ch
        else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) return line.slice(0, i)
      }
      return line
    })
    .join('\n')
}

/** The config text with its placeholders filled in ({store} only with `span-store: jaeger`). */
export function renderCollectorConfig(
  text: string,
  values: { port: number; receiver: string; store?: string }
): string {
  const filled = text
    .replaceAll(PORT_PLACEHOLDER, String(values.port))
    .replaceAll(RECEIVER_PLACEHOLDER, values.receiver)
  return values.store === undefined ? filled : filled.replaceAll(STORE_PLACEHOLDER, values.store)
}

/**
 * The gate's overlay, merged after the user's config (`--config` twice): the collector's metrics on a
 * Prometheus endpoint on loopback, where the gate reads spans in. It replaces any metrics readers of the
 * user's config (lists are replaced when configs merge), so the collector exports its metrics nowhere else.
 */
export function telemetryOverlay(metricsPort: number): string {
  return [
    '# Written by otlp-perf-gate: the collector telemetry the gate reads (spans accepted, spans sent).',
    'service:',
    '  telemetry:',
    '    metrics:',
    '      level: detailed',
    '      readers:',
    '        - pull:',
    '            exporter:',
    '              prometheus:',
    '                host: 127.0.0.1',
    `                port: ${metricsPort}`,
    ''
  ].join('\n')
}

/**
 * Sum of the samples of `metric` in a Prometheus text exposition (every label set, e.g. per receiver
 * and transport); null when the metric is absent. Also matches the `_total` name of newer exporters.
 */
export function sumMetric(exposition: string, metric: string): number | null {
  let sum: number | null = null
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
    if (m === null || (m[1] !== metric && m[1] !== `${metric}_total`)) continue
    const v = Number(m[3])
    if (Number.isFinite(v)) sum = (sum ?? 0) + v
  }
  return sum
}

/** What starting a collector needs. */
export interface CollectorStart {
  collector: CollectorConfig
  /** The config template's text, checked (checkCollectorTemplate). */
  template: string
  cwd: string
  /** The slot's receiver the collector exports to. */
  receiver: OtlpReceiver
  pinning: Pinning
  /** Its log, e.g. <logDir>/block3-on@1.collector.log; the rendered configs are written beside it. */
  logFile: string
  env: Record<string, string>
  readyTimeoutMs: number
  stopGraceMs: number
  /** Sample its process tree's CPU and RSS (Linux /proc). */
  sampleResources: boolean
  log: (m: string) => void
}

/** A running collector. */
export interface Collector {
  /** For the service's OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:43121. */
  endpoint: string
  port: number
  metricsPort: number
  pid: number
  logFile: string
  /** Throws (with its log tail) when the collector exited or hit a cap. */
  assertAlive(): void
  /**
   * After the service stopped: wait until no new span reached the receiver for `drainSec`, read spans in,
   * stop the collector and return its usage. Throws GateError('collector') when it exited meanwhile.
   */
  drainAndStop(): Promise<CollectorUsage>
  /** Stop at once (a failed round): no drain, no counts. Idempotent. */
  stop(): Promise<void>
}

/** Where the collector runs, for the report: with the load generator when pinned, never on the service's core. */
export function collectorPlacement(pinning: Pinning): string {
  return pinning.enabled
    ? `collector on CPU ${pinning.loadCpus} with the load generator and the receivers (the services run on CPU ` +
        `${pinning.serviceCpus})`
    : `collector unpinned (${pinning.reason})`
}

/** Prefix the collector's own failures so they are not read as the service's. */
function asCollectorError(e: unknown, command: string): unknown {
  if (!(e instanceof ServiceError)) return e
  const msg = e.message
    .replace(/^Service /, 'The collector ')
    .replace(/^Cannot start service /, 'Cannot start the collector ')
  return new ServiceError(e.kind, `'${Inputs.CollectorCommand}' \`${command}\`: ${msg}`)
}

/**
 * Start a collector exporting to `receiver` (and, with `span-store: jaeger`, to a Jaeger started first for its
 * {store}); resolves once it is ready. The store lives as long as the collector: stopped after its drain (its
 * data directory's growth joins the usage), with it on any failure.
 */
export async function startCollector(o: CollectorStart): Promise<Collector> {
  const spanStore = o.collector.spanStore
  if (spanStore == null) return startCollectorProcess(o)
  const store = await startSpanStore({
    store: spanStore,
    cwd: o.cwd,
    pinning: o.pinning,
    logFile: o.logFile.replace(/(\.collector)?\.log$/, '.jaeger.log'),
    env: o.env,
    readyTimeoutMs: o.readyTimeoutMs,
    stopGraceMs: o.stopGraceMs,
    log: o.log
  })
  let collector: Collector
  try {
    collector = await startCollectorProcess(o, store.endpoint)
  } catch (e) {
    await store.stop()
    throw e
  }
  return {
    ...collector,
    assertAlive(): void {
      collector.assertAlive()
      store.assertAlive()
    },
    async drainAndStop(): Promise<CollectorUsage> {
      try {
        store.assertAlive()
        const usage = await collector.drainAndStop()
        const { growthBytes } = await store.stopAndMeasure()
        return { ...usage, storeGrowthBytes: growthBytes }
      } finally {
        await Promise.allSettled([collector.stop(), store.stop()])
      }
    },
    async stop(): Promise<void> {
      await Promise.allSettled([collector.stop()])
      await store.stop()
    }
  }
}

/** The collector process alone; `storeEndpoint` fills in {store}. Ready once its metrics answer and OTLP accepts. */
async function startCollectorProcess(o: CollectorStart, storeEndpoint?: string): Promise<Collector> {
  const port = await findFreePort()
  let metricsPort = await findFreePort()
  while (metricsPort === port) metricsPort = await findFreePort()
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`
  let service: ServiceHandle
  try {
    service = await startService({
      command: writeCollectorCommand(o, port, metricsPort, storeEndpoint),
      displayCommand: o.collector.command,
      cwd: o.cwd,
      env: o.env,
      readyUrl: metricsUrl,
      readyCheck: collectorReadyCheck(metricsUrl, port),
      readyTimeoutMs: o.readyTimeoutMs,
      logFile: o.logFile,
      port,
      ownedPorts: [port, metricsPort],
      stopGraceMs: o.stopGraceMs,
      log: o.log
    })
  } catch (e) {
    throw asCollectorError(e, o.collector.command)
  }
  const sampler = o.sampleResources ? sampleCollector(service.pid, o.log) : undefined
  const startedMs = Date.now()
  const assertAlive = (): void => {
    try {
      service.assertAlive()
    } catch (e) {
      throw asCollectorError(e, o.collector.command)
    }
  }
  const stop = async (): Promise<void> => {
    try {
      sampler?.stop()
    } catch {
      // The round already failed with a better error.
    }
    await service.stop()
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    metricsPort,
    pid: service.pid,
    logFile: o.logFile,
    assertAlive,
    stop,
    async drainAndStop(): Promise<CollectorUsage> {
      const drain = await drainReceiver(o.receiver, o.collector.drainSec, assertAlive)
      const c = await spanCounts(metricsUrl)
      assertAlive()
      let resources: CollectorResources | undefined
      try {
        resources = sampler?.stop()
      } catch (e) {
        o.log(`collector ${service.pid}: CPU and RSS lost: ${e instanceof Error ? e.message : String(e)}`)
      }
      const lifeSec = (Date.now() - startedMs) / 1000
      await service.stop()
      if (c.accepted === null)
        throw new GateError(
          'collector',
          withTail(
            service,
            `'${Inputs.CollectorCommand}' \`${o.collector.command}\`: no otelcol_receiver_accepted_spans on its ` +
              `metrics endpoint ${metricsUrl} (${c.error ?? 'metric absent: did spans reach its OTLP receiver?'}), ` +
              'so its spans in cannot be counted.'
          )
        )
      // Its final batch is sent on shutdown: spans out are read after the stop.
      return collectorUsage({ accepted: c.accepted, sent: c.sent }, o.receiver.snapshot(), lifeSec, drain, resources)
    }
  }
}

/**
 * Write the rendered config and the telemetry overlay beside the collector's log; the command that starts it
 * with both, on the load generator's CPUs when pinned.
 */
function writeCollectorCommand(o: CollectorStart, port: number, metricsPort: number, storeEndpoint?: string): string {
  const base = o.logFile.replace(/\.log$/, '')
  const configFile = `${base}.config.yaml`
  const overlayFile = `${base}.telemetry.yaml`
  fs.mkdirSync(path.dirname(o.logFile), { recursive: true })
  fs.writeFileSync(
    configFile,
    renderCollectorConfig(o.template, {
      port,
      receiver: o.receiver.endpoint,
      ...(storeEndpoint !== undefined ? { store: storeEndpoint } : {})
    })
  )
  fs.writeFileSync(overlayFile, telemetryOverlay(metricsPort))
  const command = `${o.collector.command} --config=${shellQuote(configFile)} --config=${shellQuote(overlayFile)}`
  return o.pinning.enabled ? `exec taskset -c ${o.pinning.loadCpus} /bin/sh -c ${shellQuote(command)}` : command
}

/** Ready = its telemetry is up and its receiver listens (the receivers start after the telemetry). */
function collectorReadyCheck(metricsUrl: string, port: number): NonNullable<ServiceOptions['readyCheck']> {
  return {
    label: `its metrics on ${metricsUrl} and its OTLP receiver on 127.0.0.1:${port}`,
    probe: async (timeoutMs) => {
      const s = await scrape(metricsUrl, timeoutMs)
      if (s.status !== 200)
        return { ok: false, detail: `metrics: ${s.status !== undefined ? `HTTP ${s.status}` : s.error}` }
      return (await accepts(port, timeoutMs))
        ? { ok: true, detail: 'ready' }
        : {
            ok: false,
            detail: `metrics up, nothing accepts on 127.0.0.1:${port} (is {port} the OTLP receiver's port?)`
          }
    }
  }
}

/** Its process tree's CPU and RSS sampler; a sampler that cannot start is logged, not fatal. */
function sampleCollector(pid: number, log: (m: string) => void): ResourceSampler | undefined {
  try {
    return startResourceSampler(pid, { log })
  } catch (e) {
    log(`collector ${pid}: CPU and RSS not sampled: ${e instanceof Error ? e.message : String(e)}`)
    return undefined
  }
}

type CollectorResources = ReturnType<ResourceSampler['stop']>

/** Spans accepted and sent, from the collector's metrics endpoint (null when it or the metric is absent). */
async function spanCounts(
  metricsUrl: string
): Promise<{ accepted: number | null; sent: number | null; error?: string }> {
  const s = await scrape(metricsUrl)
  if (s.status !== 200 || s.body === undefined)
    return { accepted: null, sent: null, error: s.status !== undefined ? `HTTP ${s.status}` : s.error }
  return {
    accepted: sumMetric(s.body, 'otelcol_receiver_accepted_spans'),
    sent: sumMetric(s.body, 'otelcol_exporter_sent_spans')
  }
}

/** How the drain ended: when it started and, if its cap stopped it, when. */
interface Drain {
  startMs: number
  cappedAtMs: number | null
}

/**
 * Wait until no new span reached the receiver for `drainSec` (the collector's batches and retries are out),
 * at most DRAIN_CAP_SEC longer; the collector must stay alive meanwhile.
 */
async function drainReceiver(receiver: OtlpReceiver, drainSec: number, assertAlive: () => void): Promise<Drain> {
  const startMs = Date.now()
  const quietMs = drainSec * 1000
  const capMs = quietMs + DRAIN_CAP_SEC * 1000
  let last = receiver.snapshot().spans
  let lastChange = Date.now()
  for (;;) {
    assertAlive()
    const now = Date.now()
    if (now - lastChange >= quietMs) return { startMs, cappedAtMs: null }
    if (now - startMs >= capMs) return { startMs, cappedAtMs: now }
    await new Promise((r) => setTimeout(r, DRAIN_POLL_MS))
    const spans = receiver.snapshot().spans
    if (spans !== last) {
      last = spans
      lastChange = Date.now()
    }
  }
}

/** The collector's usage record: its own counts, what reached the gate's receiver, its drain and resources. */
function collectorUsage(
  counts: { accepted: number; sent: number | null },
  otlp: ReturnType<OtlpReceiver['snapshot']>,
  lifeSec: number,
  drain: Drain,
  resources: CollectorResources | undefined
): CollectorUsage {
  return {
    spansIn: counts.accepted,
    spansOut: otlp.spans,
    ...(counts.sent !== null ? { spansSent: counts.sent } : {}),
    bytesOut: otlp.bytes,
    exportRequests: otlp.requests,
    keepRatio: counts.accepted > 0 ? otlp.spans / counts.accepted : null,
    lifeSec,
    drainSec: ((drain.cappedAtMs ?? Date.now()) - drain.startMs) / 1000,
    drainCapped: drain.cappedAtMs !== null,
    ...(resources !== undefined
      ? {
          cpuSeconds: resources.cpuSeconds,
          rssPeakBytes: resources.rssPeakBytes,
          rssAvgBytes: resources.rssAvgBytes
        }
      : {})
  }
}

function withTail(service: ServiceHandle, msg: string): string {
  const tail = service.logTail()
  return `${msg}\n--- last lines of ${service.logFile} ---\n${tail === '' ? '(the collector wrote nothing)' : tail}`
}

/**
 * The collector's counts after a round: it received nothing (the service did not export to it), or kept
 * nothing out of what it received (a pipeline that drops everything, or an exporter that cannot reach the
 * gate) is a fault, not a keep ratio of 0.
 */
export function assertCollectorCounts(where: string, usage: CollectorUsage, logFile: string, logTail: string): void {
  if (usage.spansIn === 0)
    throw new GateError(
      'collector',
      `${where}: the collector accepted no span from the service (otelcol_receiver_accepted_spans = 0): the service ` +
        `did not export to it; check that its OTLP receiver listens on {port} with the protocol of ` +
        `'otlp-protocol'.\n--- last lines of ${logFile} ---\n${logTail}`
    )
  if (usage.spansOut === 0)
    throw new GateError(
      'collector',
      `${where}: the collector accepted ${usage.spansIn} spans but the gate's receiver got none of them ` +
        `(${usage.spansSent ?? 'unknown'} sent by its exporters): it drops everything or its exporter does not reach ` +
        `{receiver}. A keep ratio of 0 would mean nothing is stored.\n--- last lines of ${logFile} ---\n${logTail}`
    )
}

/** Read and check the config template once per run (before any load). */
export function loadCollectorTemplate(collector: CollectorConfig, cwd: string): string {
  const file = path.resolve(cwd, collector.configPath)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new ConfigError(
      Inputs.CollectorConfig,
      `'${Inputs.CollectorConfig}' must be a readable YAML file (relative to 'working-directory'), got ` +
        `'${collector.configPath}' (${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)})`
    )
  }
  checkCollectorTemplate(text, collector.configPath)
  checkStorePlaceholder(text, collector.configPath, collector.spanStore != null)
  return text
}
