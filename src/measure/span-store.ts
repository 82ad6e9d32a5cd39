/**
 * A real span store behind the collector (`span-store: jaeger`, issue 28): Jaeger v2 with Badger on local
 * disk, one per collector (so per traced process and block), started before it and stopped after its drain.
 * The collector's config exports to it through `{store}` besides `{receiver}` (a fan-out: the gate's receiver
 * still counts every span the collector sends on, so spans in/out keep their meaning); the store's cost to the
 * pipeline is measured as the growth of Badger's data directory.
 *
 * Contained like the collector (service/service.ts: own process group, the run's caps, kill on end, redacted
 * log with its tail on failure), pinned where the collector runs. The gate writes the whole Jaeger config: a
 * user's binary only has to be a Jaeger v2 (a collector distribution with the jaeger_storage extension).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { SpanStoreConfig } from '../config/config.js'
import { Inputs } from '../config/inputs.js'
import { shellQuote, type Pinning } from '../service/pinning.js'
import { findFreePort, ServiceError, startService, type ServiceHandle } from '../service/service.js'
import { accepts, scrape } from './probe.js'

/** The collector config's placeholder for the store's OTLP/HTTP base URL. */
export const STORE_PLACEHOLDER = '{store}'

/**
 * Jaeger v2's config: OTLP/HTTP in, Badger out, a health endpoint, no query UI (fixed ports 16686/16685 would
 * collide between processes and it is not needed) and no telemetry metrics (its default reader binds :8888).
 */
export function jaegerConfig(o: { otlpPort: number; healthPort: number; dataDir: string }): string {
  return [
    '# Written by otlp-perf-gate for span-store: jaeger (Jaeger v2, Badger on local disk).',
    'service:',
    '  extensions: [jaeger_storage, healthcheckv2]',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      processors: [batch]',
    '      exporters: [jaeger_storage_exporter]',
    '  telemetry:',
    '    metrics:',
    '      level: none',
    'extensions:',
    '  healthcheckv2:',
    '    use_v2: true',
    '    http:',
    `      endpoint: 127.0.0.1:${o.healthPort}`,
    '  jaeger_storage:',
    '    backends:',
    '      gate_store:',
    '        badger:',
    '          directories:',
    `            keys: ${JSON.stringify(path.join(o.dataDir, 'keys'))}`,
    `            values: ${JSON.stringify(path.join(o.dataDir, 'values'))}`,
    '          ephemeral: false',
    '          ttl:',
    '            spans: 48h',
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      http:',
    `        endpoint: 127.0.0.1:${o.otlpPort}`,
    'processors:',
    '  batch:',
    'exporters:',
    '  jaeger_storage_exporter:',
    '    trace_storage: gate_store',
    ''
  ].join('\n')
}

/**
 * Bytes the files under `dir` occupy on disk (allocated blocks, as `du` counts): Badger preallocates its value
 * log (2 GiB) and memtable (128 MiB) as sparse files, so their apparent sizes say nothing about what is stored.
 */
export function diskUsageBytes(dir: string): number {
  let total = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    try {
      total += fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).blocks * 512
    } catch {
      // A file Badger removed between the listing and the stat (compaction) occupies nothing any more.
    }
  }
  return total
}

/** What starting a span store needs. */
export interface SpanStoreStart {
  store: SpanStoreConfig
  cwd: string
  pinning: Pinning
  /** Its log, e.g. <logDir>/block3-on@1.jaeger.log; its rendered config is written beside it. */
  logFile: string
  env: Record<string, string>
  readyTimeoutMs: number
  stopGraceMs: number
  log: (m: string) => void
}

/** A running span store. */
export interface SpanStore {
  /** For the collector's {store}: OTLP/HTTP base URL, e.g. http://127.0.0.1:43121. */
  endpoint: string
  pid: number
  logFile: string
  dataDir: string
  /** Throws (with its log tail) when Jaeger exited or hit a cap. */
  assertAlive(): void
  /** After the collector stopped: stop Jaeger (Badger flushes its memtable on close), return the data dir's growth. */
  stopAndMeasure(): Promise<{ growthBytes: number }>
  /** Stop at once and remove the data directory; idempotent. */
  stop(): Promise<void>
  /** Its log's last lines. */
  logTail(): string
}

/** Prefix Jaeger's failures so they are read as the store's, not the service's or the collector's. */
function asStoreError(e: unknown, command: string): unknown {
  if (!(e instanceof ServiceError)) return e
  const msg = e.message
    .replace(/^Service /, 'The span store (Jaeger) ')
    .replace(/^Cannot start service /, 'Cannot start the span store (Jaeger) ')
  return new ServiceError(e.kind, `'${Inputs.SpanStoreCommand}' \`${command}\`: ${msg}`)
}

/** Start Jaeger with Badger in a fresh temporary directory; resolves once its health endpoint and OTLP port answer. */
export async function startSpanStore(o: SpanStoreStart): Promise<SpanStore> {
  const otlpPort = await findFreePort()
  let healthPort = await findFreePort()
  while (healthPort === otlpPort) healthPort = await findFreePort()
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'otlp-perf-gate-badger-'))
  const removeDir = (): void => fs.rmSync(dataDir, { recursive: true, force: true })
  const configFile = o.logFile.replace(/\.log$/, '') + '.config.yaml'
  const healthUrl = `http://127.0.0.1:${healthPort}/status`
  let service: ServiceHandle
  try {
    fs.mkdirSync(path.dirname(o.logFile), { recursive: true })
    fs.writeFileSync(configFile, jaegerConfig({ otlpPort, healthPort, dataDir }))
    const command = `${o.store.command} --config=${shellQuote(configFile)}`
    service = await startService({
      command: o.pinning.enabled ? `exec taskset -c ${o.pinning.loadCpus} /bin/sh -c ${shellQuote(command)}` : command,
      displayCommand: o.store.command,
      cwd: o.cwd,
      env: o.env,
      readyUrl: healthUrl,
      readyCheck: {
        label: `its health endpoint ${healthUrl} and its OTLP receiver on 127.0.0.1:${otlpPort}`,
        probe: async (timeoutMs) => {
          const s = await scrape(healthUrl, timeoutMs)
          if (s.status !== 200)
            return { ok: false, detail: `health: ${s.status !== undefined ? `HTTP ${s.status}` : s.error}` }
          return (await accepts(otlpPort, timeoutMs))
            ? { ok: true, detail: 'ready' }
            : { ok: false, detail: `healthy, nothing accepts on 127.0.0.1:${otlpPort}` }
        }
      },
      readyTimeoutMs: o.readyTimeoutMs,
      logFile: o.logFile,
      port: otlpPort,
      ownedPorts: [otlpPort, healthPort],
      stopGraceMs: o.stopGraceMs,
      log: o.log
    })
  } catch (e) {
    removeDir()
    throw asStoreError(e, o.store.command)
  }
  // After ready: Badger has created its files; what it writes from here on is what the spans cost.
  const startBytes = diskUsageBytes(dataDir)
  let stopped: Promise<void> | null = null
  const stop = (): Promise<void> => {
    stopped ??= service.stop().then(removeDir, (e: unknown) => {
      removeDir()
      throw e
    })
    return stopped
  }
  const assertAlive = (): void => {
    try {
      service.assertAlive()
    } catch (e) {
      throw asStoreError(e, o.store.command)
    }
  }
  return {
    endpoint: `http://127.0.0.1:${otlpPort}`,
    pid: service.pid,
    logFile: o.logFile,
    dataDir,
    logTail: () => service.logTail(),
    assertAlive,
    async stopAndMeasure(): Promise<{ growthBytes: number }> {
      try {
        assertAlive()
        await service.stop()
        return { growthBytes: diskUsageBytes(dataDir) - startBytes }
      } finally {
        await stop()
      }
    },
    stop
  }
}
