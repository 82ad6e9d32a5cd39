/**
 * The receiver in its own worker thread, as the action ships it: the worker entry is built with ncc
 * (as `npm run build` builds dist/otlp-worker/index.js) into a temporary folder, then started through
 * startWorkerReceiver. Real OTLP exports over HTTP and gRPC; the synchronous calls, the thread's CPU,
 * reset, close, and workers that fail to start, die or hang.
 */
import { expect } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { context, trace } from '@opentelemetry/api'
import { tracing, resources } from '@opentelemetry/sdk-node'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { GateError } from '../../../src/errors.js'
import { parseConfig } from '../../../src/config/config.js'
import { openRig } from '../../../src/measure/rig.js'
import { startWorkerReceiver, type WorkerReceiver } from '../../../src/otlp/worker-host.js'
import { SAMPLE, exportPlainAndGzipped, handEncodeRequest } from '../../helpers/otlp.js'

const PB = 'application/x-protobuf'
// handEncodeRequest stamps every span 1700000000000 ms (start_time_unix_nano 1700000000000000000).
const SAMPLE_START_MS = 1_700_000_000_000

let dir: string
let workerFile: string

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'otlp-worker-'))
  const ncc = path.resolve('node_modules/@vercel/ncc/dist/ncc/cli.js')
  execFileSync(process.execPath, [ncc, 'build', 'src/otlp/worker-main.ts', '-o', dir, '--quiet'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 110_000
  })
  workerFile = path.join(dir, 'index.js')
  // Entries that load the real worker, then fail in a chosen way (ESM: the import runs first).
  writeFileSync(
    path.join(dir, 'crash-later.js'),
    "import './index.js'\nsetTimeout(() => { throw new Error('injected crash') }, 300)\n"
  )
  writeFileSync(path.join(dir, 'hang-later.js'), "import './index.js'\nsetTimeout(() => { for (;;) {} }, 300)\n")
  writeFileSync(path.join(dir, 'throws.js'), "throw new Error('cannot load the receiver')\n")
  writeFileSync(path.join(dir, 'exits.js'), 'process.exit(3)\n')
}, 120_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function post(r: WorkerReceiver, body: Uint8Array): Promise<number> {
  const res = await fetch(`${r.endpoint}/v1/traces`, { method: 'POST', body, headers: { 'Content-Type': PB } })
  await res.arrayBuffer()
  return res.status
}

/** Spans of a small in-memory trace set: 5 roots with one child each. */
function sdkSpans(): tracing.ReadableSpan[] {
  const memory = new tracing.InMemorySpanExporter()
  const provider = new tracing.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'worker-test' }),
    spanProcessors: [new tracing.SimpleSpanProcessor(memory)]
  })
  const tracer = provider.getTracer('worker-test')
  for (let i = 0; i < 5; i++) {
    // No context manager is registered here: the parent is passed explicitly.
    const parent = tracer.startSpan(`parent-${i}`)
    tracer.startSpan(`child-${i}`, {}, trace.setSpan(context.active(), parent)).end()
    parent.end()
  }
  return memory.getFinishedSpans()
}

describe('OTLP/HTTP receiver in a worker thread', () => {
  let r: WorkerReceiver
  const logs: string[] = []
  beforeEach(async () => {
    logs.length = 0
    r = await startWorkerReceiver({ log: (m) => logs.push(m) }, workerFile)
  })
  afterEach(async () => {
    await r.close()
  })

  test("counts exports; snapshot, windowCounts and reset answer synchronously; CPU is the thread's", async () => {
    expect(r.endpoint).toBe(`http://127.0.0.1:${r.port}`)
    expect(['schedstat', 'stat']).toContain(r.cpuSource)
    const body = handEncodeRequest(SAMPLE)
    expect(await post(r, body)).toBe(200)
    expect(await post(r, body)).toBe(200)
    const snap = r.snapshot()
    expect(snap).toMatchObject({
      spans: 10,
      roots: 0,
      requests: 2,
      bytes: 2 * body.length,
      rejected: 0,
      serviceNames: ['alpha', 'beta'],
      cpuScope: 'thread'
    })
    expect(snap.cpuSeconds).toBeGreaterThan(0)
    expect(r.windowCounts(SAMPLE_START_MS, SAMPLE_START_MS + 1)).toMatchObject({ spans: 10, roots: 0 })
    expect(r.windowCounts(SAMPLE_START_MS + 1, SAMPLE_START_MS + 2)).toMatchObject({ spans: 0 })
    // An error of the call itself comes back as the same error, and the worker answers on.
    expect(() => r.windowCounts(5, 1)).toThrow(RangeError)
    expect(() => r.windowCounts(5, 1)).toThrow(/span window \[5, 1\]/)
    r.reset()
    expect(r.snapshot()).toMatchObject({ spans: 0, requests: 0, bytes: 0, serviceNames: [] })
    expect(r.windowCounts(SAMPLE_START_MS, SAMPLE_START_MS + 1)).toMatchObject({ spans: 0 })
  })

  test('the thread CPU grows with more exports, and reset starts it again', async () => {
    const body = handEncodeRequest(Array.from({ length: 20 }, () => SAMPLE[0]!))
    for (let i = 0; i < 5; i++) expect(await post(r, body)).toBe(200)
    const few = r.snapshot().cpuSeconds
    for (let i = 0; i < 100; i++) expect(await post(r, body)).toBe(200)
    const many = r.snapshot().cpuSeconds
    expect(many).toBeGreaterThan(few)
    r.reset()
    expect(r.snapshot().cpuSeconds).toBeLessThan(many)
  })

  test('a real OTLP/proto exporter, plain and gzip; rejected requests are logged through the worker', async () => {
    await exportPlainAndGzipped(
      sdkSpans(),
      (compression) => new ProtoExporter({ url: `${r.endpoint}/v1/traces`, compression: compression as never })
    )
    expect(r.snapshot()).toMatchObject({
      spans: 20,
      roots: 10,
      requests: 2,
      rejected: 0,
      serviceNames: ['worker-test']
    })
    const res = await fetch(`${r.endpoint}/v1/traces`, {
      method: 'POST',
      body: 'x',
      headers: { 'Content-Type': 'text/plain' }
    })
    expect(res.status).toBe(415)
    expect(r.snapshot().rejected).toBe(1)
    for (let i = 0; i < 50 && logs.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(logs.join('\n')).toMatch(/415 unsupported Content-Type 'text\/plain'/)
  })

  test('close() stops listening and ends the worker; later calls fail naming the receiver', async () => {
    await r.close()
    await expect(fetch(`${r.endpoint}/v1/traces`, { method: 'POST', body: 'x' })).rejects.toThrow()
    expect(() => r.snapshot()).toThrow(GateError)
    expect(() => r.snapshot()).toThrow(
      `the OTLP receiver at ${r.endpoint} (worker thread) cannot answer snapshot(): the receiver was closed`
    )
    await expect(r.close()).resolves.toBeUndefined() // idempotent
  })
})

test("OTLP/gRPC receiver in a worker thread: a real gRPC exporter is counted, CPU is the thread's", async () => {
  const r = await startWorkerReceiver({ protocol: 'grpc' }, workerFile)
  try {
    await exportPlainAndGzipped(
      sdkSpans(),
      (compression) => new GrpcExporter({ url: r.endpoint, compression: compression as never })
    )
    const snap = r.snapshot()
    expect(snap).toMatchObject({
      spans: 20,
      roots: 10,
      requests: 2,
      rejected: 0,
      serviceNames: ['worker-test'],
      cpuScope: 'thread'
    })
    expect(snap.cpuSeconds).toBeGreaterThan(0)
  } finally {
    await r.close()
  }
})

describe('faults never pass', () => {
  test('a worker that dies: the next call fails with a GateError naming the receiver and the cause', async () => {
    const r = await startWorkerReceiver({}, path.join(dir, 'crash-later.js'))
    try {
      expect(r.snapshot().spans).toBe(0)
      let error: unknown
      for (let i = 0; i < 100 && error === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        try {
          r.snapshot()
        } catch (e) {
          error = e
        }
      }
      expect(error).toBeInstanceOf(GateError)
      expect((error as Error).message).toMatch(
        new RegExp(
          `^the OTLP receiver at ${r.endpoint} \\(worker thread\\) cannot answer snapshot\\(\\): .*injected crash`
        )
      )
      expect(() => r.reset()).toThrow(/injected crash|exited/)
    } finally {
      await r.close()
    }
  })

  test('a worker that hangs: the call gives up after its bound with a GateError; close() still ends it', async () => {
    const r = await startWorkerReceiver({}, path.join(dir, 'hang-later.js'), { callMs: 500 })
    try {
      await new Promise((resolve) => setTimeout(resolve, 600))
      expect(() => r.snapshot()).toThrow(GateError)
      expect(() => r.windowCounts(0, 1)).toThrow(
        /cannot answer windowCounts\(\): no answer to snapshot\(\) within 0.5 s/
      )
    } finally {
      await r.close()
    }
  })

  test('a worker that cannot start or exits before it listens: startWorkerReceiver rejects with a GateError', async () => {
    await expect(startWorkerReceiver({}, path.join(dir, 'throws.js'))).rejects.toThrow(
      /OTLP receiver's worker thread .*throws\.js\) did not start: cannot load the receiver/
    )
    await expect(startWorkerReceiver({}, path.join(dir, 'exits.js'))).rejects.toThrow(
      /exits\.js\) exited with code 3 before it listened/
    )
    await expect(startWorkerReceiver({}, path.join(dir, 'exits.js'))).rejects.toBeInstanceOf(GateError)
  })
})

describe('the rig with worker receivers', () => {
  const config = parseConfig({ 'start-command': 'node s.mjs', 'round-design': 'side-by-side', 'cpu-pinning': 'off' })

  test('one worker receiver per slot, each counting alone; close() ends every worker', async () => {
    const logs: string[] = []
    const rig = await openRig(
      config,
      2,
      (m) => logs.push(m),
      (m) => logs.push(`warn: ${m}`),
      { kind: 'worker', workerFile }
    )
    let closed = false
    try {
      expect(rig.receivers).toHaveLength(2)
      expect(logs.join('\n')).toContain(`OTLP receivers: one worker thread per slot (${workerFile})`)
      const [a, b] = rig.receivers as [WorkerReceiver, WorkerReceiver]
      expect(a.port).not.toBe(b.port)
      expect(await post(a, handEncodeRequest(SAMPLE))).toBe(200)
      expect(a.snapshot()).toMatchObject({ spans: 5, cpuScope: 'thread' })
      expect(b.snapshot()).toMatchObject({ spans: 0, cpuScope: 'thread' })
      await rig.close()
      closed = true
      for (const r of [a, b]) {
        await expect(fetch(`${r.endpoint}/v1/traces`, { method: 'POST', body: 'x' })).rejects.toThrow()
        expect(() => r.snapshot()).toThrow(/cannot answer snapshot\(\): the receiver was closed/)
      }
    } finally {
      if (!closed) await rig.close()
    }
  })

  test('a worker that cannot start fails openRig with a GateError', async () => {
    await expect(
      openRig(
        config,
        2,
        () => {},
        () => {},
        { kind: 'worker', workerFile: path.join(dir, 'throws.js') }
      )
    ).rejects.toBeInstanceOf(GateError)
  })
})
