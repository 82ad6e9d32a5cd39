/**
 * The OTLP receiver's own CPU per 1,000 spans (issue 11 item 4), not part of the test suite:
 * replays a steady stream of SDK-like OTLP/HTTP protobuf exports (512-span batches, as the SDK's
 * BatchSpanProcessor sends them) on loopback into a receiver running in a child process, and reads
 * that process's CPU (user + system, whole process: HTTP parsing included) for each way of counting.
 *
 *   npx tsc -p tsconfig.bench.json && node lib/bench/probes/receiver-cpu.js [--rate 10000] [--seconds 6] [--modes a,b] [--warmup 20] [--framing chunked|length] [--dump body.bin]
 *
 * Modes (each in a fresh child process, warmed up first):
 *   worker        the gate's receiver as the action runs it: in a worker thread (src/otlp/worker-host.ts),
 *                 reporting its thread's whole CPU; the process column adds the idle main thread
 *   walker        the gate's receiver in-process: protobuf wire walk + window accounting (src/otlp/walk.ts)
 *   envelope      the previous default: envelope decoded into objects, spans as opaque bytes (no start times)
 *   objects       every span decoded into objects, the same facts read from them, same window accounting
 *   validate      the gate's receiver with validateSpans: objects AND walker (the opt-in strict mode)
 *   transport     the floor: the same node:http server reading each body and answering 200, no decoding
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createServer, request, Agent, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import * as os from 'node:os'
import { fileURLToPath } from 'node:url'
import { context, trace } from '@opentelemetry/api'
import { tracing, resources } from '@opentelemetry/sdk-node'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { SpanBatch, nanosWordsToMs } from '../../src/otlp/batch.js'
import { decodeTraceExport, otlpTypes } from '../../src/otlp/decode.js'
import { startOtlpReceiver } from '../../src/otlp/receiver.js'
import { findReceiverWorkerFile, startWorkerReceiver } from '../../src/otlp/worker-host.js'
import { SpanWindow } from '../../src/otlp/window.js'

type Mode = 'transport' | 'worker' | 'walker' | 'envelope' | 'objects' | 'validate'
const MODES: Mode[] = ['transport', 'worker', 'walker', 'envelope', 'objects', 'validate']
const SPANS_PER_EXPORT = 512
const DISTINCT_BODIES = 8

// ---------------------------------------------------------------- child: one receiver, one mode

interface ChildReport {
  cpuMicros: number
  sysMicros: number
  spans: number
  /** The receiver's own figure (snapshot().cpuSeconds): its thread's CPU (worker) or the decode CPU (in-process). */
  handlerCpuSeconds: number | null
}

/** The facts the accounting needs, read from fully decoded objects (the "object decoder" baseline). */
function stageFromObjects(body: Uint8Array, batch: SpanBatch): number {
  batch.clear()
  const req = otlpTypes.ExportTraceServiceRequest.decode(body) as unknown as {
    resourceSpans: Array<{
      scopeSpans: Array<{
        spans: Array<{
          traceId: Uint8Array
          parentSpanId: Uint8Array
          startTimeUnixNano: { low: number; high: number } | number
        }>
      }>
    }>
  }
  for (const rs of req.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const t = s.startTimeUnixNano
        const ms = typeof t === 'number' ? t / 1e6 : nanosWordsToMs(t.low >>> 0, t.high >>> 0)
        const id = Buffer.from(s.traceId.buffer, s.traceId.byteOffset, s.traceId.byteLength)
        const a = id.length === 16 ? (id.readUInt32LE(0) ^ id.readUInt32LE(8)) >>> 0 : 0
        const b = id.length === 16 ? (id.readUInt32LE(4) ^ id.readUInt32LE(12)) >>> 0 : 0
        batch.push(ms, s.parentSpanId.length === 0, a, b)
      }
    }
  }
  return batch.count
}

/** A node:http receiver around a decode function (the baselines; the HTTP handling mirrors receiver.ts). */
async function baselineReceiver(decode: (body: Buffer) => number): Promise<{ port: number; spans: () => number }> {
  let spans = 0
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      spans += decode(Buffer.concat(chunks))
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': '0' })
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, spans: () => spans }
}

async function runChild(mode: Mode): Promise<void> {
  let port: number
  let report: () => { spans: number; handlerCpuSeconds: number | null }
  if (mode === 'walker' || mode === 'validate' || mode === 'worker') {
    const workerFile = findReceiverWorkerFile(new URL('../../src/otlp/worker-host.js', import.meta.url).href)
    if (mode === 'worker' && workerFile === null)
      throw new Error('no lib/src/otlp/worker-main.js: run npx tsc -p tsconfig.bench.json first')
    const r =
      mode === 'worker'
        ? await startWorkerReceiver({}, workerFile as string)
        : await startOtlpReceiver({ validateSpans: mode === 'validate' })
    port = r.port
    report = () => {
      const s = r.snapshot()
      return { spans: s.spans, handlerCpuSeconds: s.cpuSeconds }
    }
  } else {
    const batch = new SpanBatch()
    const window = new SpanWindow()
    const decoders: Record<'transport' | 'envelope' | 'objects', (body: Buffer) => number> = {
      // The bench sends only SPANS_PER_EXPORT-span bodies.
      transport: () => SPANS_PER_EXPORT,
      envelope: (body) => decodeTraceExport(body, { contentType: 'application/x-protobuf', depth: 'count' }).spans,
      objects: (body) => {
        const n = stageFromObjects(body, batch)
        window.commit(batch)
        return n
      }
    }
    const b = await baselineReceiver(decoders[mode])
    port = b.port
    report = () => ({ spans: b.spans(), handlerCpuSeconds: null })
  }
  let base = process.cpuUsage()
  let baseSpans = 0
  let baseHandler = 0
  process.on('message', (msg: string) => {
    if (msg === 'start') {
      base = process.cpuUsage()
      const r = report()
      baseSpans = r.spans
      baseHandler = r.handlerCpuSeconds ?? 0
      process.send!('started')
    } else if (msg === 'report') {
      const cpu = process.cpuUsage(base)
      const r = report()
      const handlerCpuSeconds = r.handlerCpuSeconds === null ? null : r.handlerCpuSeconds - baseHandler
      const out: ChildReport = {
        cpuMicros: cpu.user + cpu.system,
        sysMicros: cpu.system,
        spans: r.spans - baseSpans,
        handlerCpuSeconds
      }
      process.send!(out)
    } else if (msg === 'exit') {
      process.exit(0)
    }
  })
  process.send!({ port })
}

// ---------------------------------------------------------------- parent: payloads, replay, table

/** Real OTLP/proto bodies from the Node SDK: HTTP server spans with the usual attributes plus one child each. */
async function sdkBodies(): Promise<Buffer[]> {
  const bodies: Buffer[] = []
  const capture = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks))
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': '0' })
      res.end()
    })
  })
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve))
  const memory = new tracing.InMemorySpanExporter()
  const provider = new tracing.BasicTracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': 'bench',
      'telemetry.sdk.language': 'nodejs',
      'host.name': os.hostname(),
      'process.pid': process.pid
    }),
    spanProcessors: [new tracing.SimpleSpanProcessor(memory)]
  })
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0')
  for (let i = 0; i < DISTINCT_BODIES * (SPANS_PER_EXPORT / 2); i++) {
    const root = tracer.startSpan('GET /api/v1/users/:id', {
      kind: 1,
      attributes: {
        'http.request.method': 'GET',
        'url.scheme': 'http',
        'url.path': `/api/v1/users/${i}`,
        'server.address': '127.0.0.1',
        'server.port': 8080,
        'network.peer.address': '127.0.0.1',
        'network.peer.port': 40000 + (i % 20000),
        'network.protocol.version': '1.1',
        'user_agent.original': 'autocannon/9.0.0',
        'http.route': '/api/v1/users/:id',
        'http.response.status_code': 200,
        'client.address': '127.0.0.1'
      }
    })
    tracer
      .startSpan(
        'users.build',
        { attributes: { 'user.id': i, 'app.items': 20 } },
        trace.setSpan(context.active(), root)
      )
      .end()
    root.end()
  }
  const spans = memory.getFinishedSpans()
  const url = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/v1/traces`
  for (let i = 0; i < DISTINCT_BODIES; i++) {
    const exporter = new OTLPTraceExporter({ url })
    await new Promise<void>((resolve) =>
      exporter.export(spans.slice(i * SPANS_PER_EXPORT, (i + 1) * SPANS_PER_EXPORT), () => resolve())
    )
    await exporter.shutdown()
  }
  await provider.shutdown()
  capture.closeAllConnections()
  await new Promise<void>((resolve) => capture.close(() => resolve()))
  return bodies
}

function ask<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T))
    child.send(msg)
  })
}

/** How a body is framed: chunked (as the Node SDK's exporter sends it: a piped stream) or with Content-Length. */
type Framing = 'chunked' | 'length'

/** POSTs bodies round-robin at `perSecond` exports for `seconds`, one keep-alive connection like an SDK. */
async function replay(
  port: number,
  bodies: Buffer[],
  perSecond: number,
  seconds: number,
  framing: Framing
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const total = Math.round(perSecond * seconds)
  const start = Date.now()
  try {
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / perSecond
      const wait = due - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      const body = bodies[i % bodies.length]!
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/x-protobuf',
        ...(framing === 'length' ? { 'Content-Length': body.length } : {})
      }
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers }, (res) => {
          res.resume()
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`receiver answered ${res.statusCode}`))
          )
        })
        req.on('error', reject)
        // write() before end() without Content-Length: Transfer-Encoding: chunked, as the SDK's pipe() does.
        req.write(body)
        req.end()
      })
    }
  } finally {
    agent.destroy()
  }
}

async function measure(
  mode: Mode,
  bodies: Buffer[],
  rate: number,
  seconds: number,
  framing: Framing,
  warmup: number
): Promise<ChildReport> {
  const child = fork(fileURLToPath(import.meta.url), ['--child', mode], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  try {
    const { port } = await new Promise<{ port: number }>((resolve) =>
      child.once('message', (m) => resolve(m as { port: number }))
    )
    const perSecond = rate / SPANS_PER_EXPORT
    // Warm-up (not measured): a gate's receiver lives for the whole run, thousands of exports, so its
    // steady state is what a round sees; a receiver's first ~100 exports cost ~2x (JIT tiers, heap growth).
    await replay(port, bodies, perSecond, warmup, framing)
    await ask(child, 'start')
    await replay(port, bodies, perSecond, seconds, framing)
    return await ask<ChildReport>(child, 'report')
  } finally {
    child.send('exit')
    await new Promise((r) => child.once('exit', r))
  }
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--child')
  if (childAt >= 0) return runChild(process.argv[childAt + 1] as Mode)
  const rate = arg('rate', 10_000)
  const seconds = arg('seconds', 6)
  const warmup = arg('warmup', 20)
  const framingAt = process.argv.indexOf('--framing')
  const framing = (framingAt >= 0 ? process.argv[framingAt + 1] : 'chunked') as Framing
  if (framing !== 'chunked' && framing !== 'length')
    throw new Error(`--framing: expected chunked or length, got '${framing}'`)
  const only = process.argv.indexOf('--modes')
  const modes = only >= 0 ? (process.argv[only + 1] ?? '').split(',') : MODES
  const unknown = modes.filter((m) => !(MODES as string[]).includes(m))
  if (unknown.length > 0)
    throw new Error(`--modes: unknown ${unknown.map((m) => `'${m}'`).join(', ')}; expected some of ${MODES.join(', ')}`)
  const bodies = await sdkBodies()
  const dump = process.argv.indexOf('--dump')
  if (dump >= 0) {
    // One export body to a file, for profiling the walker in isolation.
    writeFileSync(process.argv[dump + 1]!, bodies[0]!)
    return
  }
  const avg = bodies.reduce((a, b) => a + b.length, 0) / bodies.length
  console.log(
    `${new Date().toISOString()} · ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length} · node ${process.version}`
  )
  console.log(
    `stream: ${rate} spans/s for ${seconds} s (after ${warmup} s of warm-up) in ${SPANS_PER_EXPORT}-span exports (${Math.round(avg)} bytes each, ${Math.round(avg / SPANS_PER_EXPORT)} B/span), OTLP/HTTP protobuf, ${framing === 'chunked' ? 'chunked as the Node SDK sends' : 'Content-Length'}, loopback`
  )
  console.log(
    '| mode | spans | process CPU ms per 1k spans (of it system) | % of one core | receiver-reported CPU ms per 1k spans |'
  )
  console.log('| --- | --- | --- | --- | --- |')
  for (const mode of modes as Mode[]) {
    const r = await measure(mode, bodies, rate, seconds, framing, warmup)
    const perK = r.cpuMicros / 1000 / (r.spans / 1000)
    const handler = r.handlerCpuSeconds === null ? 'n/a' : ((r.handlerCpuSeconds * 1000) / (r.spans / 1000)).toFixed(3)
    const sysPerK = r.sysMicros / 1000 / (r.spans / 1000)
    console.log(
      `| ${mode} | ${r.spans} | ${perK.toFixed(3)} (${sysPerK.toFixed(3)}) | ${((r.cpuMicros / 1e6 / seconds) * 100).toFixed(2)} % | ${handler} |`
    )
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
