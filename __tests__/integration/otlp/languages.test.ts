/**
 * The wire walker on real exports of other languages' SDKs (Go otlptracehttp, the Java agent, Python's
 * opentelemetry-instrument): each fixture exports to a capturing server, and every captured body must
 * be read by the walker exactly as the full object decoder reads it. Encoders differ (field order,
 * optional fields, id encodings), which is what this guards against. Fixtures not built are skipped.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { SpanBatch } from '../../../src/otlp/batch.js'
import { decodeTracesProtobuf } from '../../../src/otlp/decode.js'
import type { OtlpReceiver } from '../../../src/otlp/receiver.js'
import { SpanTally } from '../../../src/otlp/tally.js'
import { walkTracesProtobuf } from '../../../src/otlp/walk.js'
import { REPO_ROOT, describeIfFixture } from '../helpers/fixtures.js'
import { exercise, zeroCodePaths } from '../helpers/zero-code.js'
import { batchFacts, referenceFacts } from '../../unit/otlp/reference.js'

const REQUESTS = 10

/** An OTLP/HTTP endpoint that keeps every protobuf trace body and counts it with the walker, for exercise(). */
async function capturingReceiver(): Promise<{ receiver: OtlpReceiver; bodies: Buffer[] }> {
  const bodies: Buffer[] = []
  const tally = new SpanTally()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type'] === 'application/x-protobuf') {
        const raw = Buffer.concat(chunks)
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw
        bodies.push(body)
        const batch = new SpanBatch()
        tally.accepted(walkTracesProtobuf(body, batch), raw.length, batch)
      }
      res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': '0' })
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const receiver: OtlpReceiver = {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    snapshot: () => tally.snapshot(),
    windowCounts: (t0, t1) => tally.windowCounts(t0, t1),
    reset: () => {
      tally.reset()
      bodies.length = 0
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  return { receiver, bodies }
}

/** Every captured body: walker summary and facts equal the object decoder's. Returns all facts. */
function expectWalkerMatchesDecoder(bodies: Buffer[]): ReturnType<typeof batchFacts> {
  expect(bodies.length).toBeGreaterThan(0)
  const all: ReturnType<typeof batchFacts> = []
  for (const body of bodies) {
    const batch = new SpanBatch()
    expect(walkTracesProtobuf(body, batch)).toEqual(decodeTracesProtobuf(body, 'full'))
    const facts = batchFacts(batch)
    const reference = referenceFacts(body)
    expect(facts.map(({ startMs: _, ...f }) => f)).toEqual(reference.map(({ startMs: _, ...f }) => f))
    facts.forEach((f, i) => expect(Math.abs(f.startMs - reference[i]!.startMs)).toBeLessThanOrEqual(0.002))
    all.push(...facts)
  }
  return all
}

/** Runs one fixture command against a capturing receiver and checks the walker on what it exported. */
async function checkLanguage(
  command: string,
  cwd: string,
  readyTimeoutMs: number,
  spansPerRequest: number
): Promise<void> {
  const { receiver, bodies } = await capturingReceiver()
  try {
    const started = Date.now()
    const r = await exercise(receiver, {
      command,
      cwd,
      env: { OTEL_SERVICE_NAME: 'walker-check', OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
      requests: REQUESTS,
      readyTimeoutMs
    })
    expect(r.statuses).toEqual(Array(REQUESTS).fill(200))
    const facts = expectWalkerMatchesDecoder(bodies)
    // Every API request is one trace with one root; answered health polls may add more.
    expect(facts.filter((f) => f.root).length).toBeGreaterThanOrEqual(REQUESTS)
    expect(facts.filter((f) => f.root).length).toBeLessThanOrEqual(REQUESTS + r.healthPolls)
    expect(facts.length).toBeGreaterThanOrEqual(REQUESTS * spansPerRequest)
    // Start times are real Unix times of this run (the same clock as Date.now()).
    for (const f of facts) {
      expect(f.startMs).toBeGreaterThanOrEqual(started - 1000)
      expect(f.startMs).toBeLessThanOrEqual(Date.now() + 1000)
    }
    expect(r.otlp).toMatchObject({ serviceNames: ['walker-check'], rejected: 0 })
  } finally {
    await receiver.close()
  }
}

describeIfFixture('go', 'wire walker on Go SDK exports (gin, otlptracehttp)', (paths) => {
  test('every body reads the same as with the object decoder', async () => {
    await checkLanguage(String(paths['gin']), REPO_ROOT, 10_000, 2)
  })
})

describeIfFixture('java', 'wire walker on Java agent exports', (paths) => {
  test('every body reads the same as with the object decoder', async () => {
    const f = zeroCodePaths('java', paths)
    await checkLanguage(f.startCommand, f.workingDirectory, f.readyTimeoutSeconds * 1000, 1)
  })
})

describeIfFixture('python', 'wire walker on Python opentelemetry-instrument exports', (paths) => {
  test('every body reads the same as with the object decoder', async () => {
    const f = zeroCodePaths('python', paths)
    await checkLanguage(f.startCommand, f.workingDirectory, f.readyTimeoutSeconds * 1000, 1)
  })
})
