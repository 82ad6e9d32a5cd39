import { gzipSync } from 'node:zlib'
import protobuf from 'protobufjs'
import { SpanBatch, nanosWordsToMs } from '../../../src/otlp/batch.js'
import { OtlpDecodeError, decodeTracesJson, decodeTracesProtobuf } from '../../../src/otlp/decode.js'
import { countTraceExport, walkTracesProtobuf } from '../../../src/otlp/walk.js'
import { SAMPLE, handEncodeRequest, jsonRequest } from '../../helpers/otlp.js'
import {
  batchFacts,
  craftRequest,
  fold,
  referenceFacts,
  traceId,
  type CraftedSpan,
  type SpanFacts
} from './reference.js'

const T0 = 1_764_460_800_000_000_000n // 2025-11-30T00:00:00Z in ns

/** Walker facts equal the reference facts (start times within 2 µs: the reference truncates to µs). */
function expectSameFacts(actual: SpanFacts[], expected: SpanFacts[]): void {
  expect(actual.map(({ startMs: _, ...rest }) => rest)).toEqual(expected.map(({ startMs: _, ...rest }) => rest))
  const worst = Math.max(0, ...actual.map((f, i) => Math.abs(f.startMs - expected[i]!.startMs)))
  expect(worst).toBeLessThanOrEqual(0.002)
}

function walk(body: Uint8Array): { summary: ReturnType<typeof walkTracesProtobuf>; facts: SpanFacts[] } {
  const batch = new SpanBatch()
  const summary = walkTracesProtobuf(body, batch)
  return { summary, facts: batchFacts(batch) }
}

const mixed: CraftedSpan[] = [
  { trace: 1, root: true, startNs: T0 },
  { trace: 1, root: false, startNs: T0 + 250_000n },
  { trace: 2, root: false, startNs: T0 + 7_000_000n },
  { trace: 2, root: true, startNs: T0 + 5_123_456n },
  { trace: 3, root: true, startNs: T0 + 999_999_999n }
]

describe('walkTracesProtobuf agrees with the object decoder', () => {
  test('on the hand-encoded sample: counts, resources, service names and facts', () => {
    const body = handEncodeRequest(SAMPLE)
    const { summary, facts } = walk(body)
    expect(summary).toEqual(decodeTracesProtobuf(body, 'full'))
    expectSameFacts(facts, referenceFacts(body))
    expect(facts.every((f) => !f.root && f.startMs === 1_700_000_000_000)).toBe(true)
  })

  test('on crafted roots, children and start times', () => {
    const body = craftRequest(mixed)
    const { summary, facts } = walk(body)
    expect(summary).toEqual({ spans: 5, resourceSpans: 1, serviceNames: ['svc'] })
    expectSameFacts(facts, referenceFacts(body))
    expect(facts.map((f) => f.root)).toEqual([true, false, false, true, true])
    expect(facts[3]!.startMs).toBeCloseTo(Number(T0 / 1_000_000n) + 5.123456, 3)
    expect([facts[0]!.traceA, facts[0]!.traceB]).toEqual(fold(traceId(1)))
    expect(facts[0]!.traceA).toBe(facts[1]!.traceA)
    expect(facts[0]!.traceA).not.toBe(facts[2]!.traceA)
  })

  test('unknown fields at every level are skipped', () => {
    const plain = walk(craftRequest(mixed))
    const extended = walk(craftRequest(mixed, true))
    expect(extended).toEqual(plain)
    expectSameFacts(extended.facts, referenceFacts(craftRequest(mixed, true)))
  })

  test('an empty body is a request without spans', () => {
    expect(walk(new Uint8Array(0))).toEqual({ summary: { spans: 0, resourceSpans: 0, serviceNames: [] }, facts: [] })
  })

  test('a span without trace id, parent or start time is a root at time 0 with no trace', () => {
    const w = protobuf.Writer.create()
    w.uint32((1 << 3) | 2)
      .fork()
      .uint32((2 << 3) | 2)
      .fork()
      .uint32((2 << 3) | 2)
      .fork()
      .uint32((5 << 3) | 2)
      .string('bare')
      .ldelim()
      .ldelim()
      .ldelim()
    expect(walk(w.finish()).facts).toEqual([{ startMs: 0, root: true, traceA: 0, traceB: 0 }])
  })

  test('an all-zero parent_span_id counts as a root', () => {
    const w = protobuf.Writer.create()
    w.uint32((1 << 3) | 2)
      .fork()
      .uint32((2 << 3) | 2)
      .fork()
      .uint32((2 << 3) | 2)
      .fork()
    w.uint32((4 << 3) | 2)
      .bytes(new Uint8Array(8))
      .ldelim()
      .ldelim()
      .ldelim()
    expect(walk(w.finish()).facts[0]!.root).toBe(true)
  })

  test('every truncation of a real request is rejected or read exactly as the object decoder reads it', () => {
    const body = craftRequest(mixed, true)
    let rejected = 0
    for (let cut = 1; cut < body.length; cut++) {
      const prefix = body.subarray(0, cut)
      let reference: SpanFacts[] | null
      try {
        reference = referenceFacts(prefix)
      } catch {
        reference = null
      }
      const batch = new SpanBatch()
      try {
        walkTracesProtobuf(prefix, batch)
      } catch (e) {
        expect(e).toBeInstanceOf(OtlpDecodeError)
        expect((e as OtlpDecodeError).status).toBe(400)
        expect((e as Error).message).toContain(`(${cut} bytes)`)
        expect(batch.count).toBe(0)
        rejected++
        continue
      }
      // Accepted: only a cut between two top-level fields gives a valid message.
      expect(reference).not.toBeNull()
      expectSameFacts(batchFacts(batch), reference!)
    }
    expect(rejected).toBeGreaterThan(body.length * 0.9)
  })

  test.each([
    ['a field number 0', Uint8Array.from([0x00, 0x01])],
    ['wire type 7', Uint8Array.from([0x0f, 0x01])],
    ['a length past the end', Uint8Array.from([0x0a, 0x10, 0x01, 0x02])],
    ['JSON sent as protobuf', Buffer.from('{"resourceSpans":[]}')]
  ])('rejects %s with a 400', (_label, bad) => {
    expect(() => walk(bad)).toThrow(OtlpDecodeError)
  })

  test('a span field running past its span is rejected even when the buffer goes on', () => {
    // resource_spans { scope_spans { spans { trace_id: len 30 } } } followed by padding.
    const w = protobuf.Writer.create()
    w.uint32((1 << 3) | 2)
      .fork()
      .uint32((2 << 3) | 2)
      .fork()
      .uint32((2 << 3) | 2)
      .fork()
    w.uint32((1 << 3) | 2).uint32(30)
    w.ldelim().ldelim().ldelim()
    const body = Buffer.concat([w.finish(), Buffer.alloc(40, 0x08)])
    expect(() => walk(body)).toThrow(/runs past/)
  })
})

describe('OTLP/JSON stages the same facts', () => {
  test('the JSON twin of the hand-encoded sample', () => {
    const batch = new SpanBatch()
    const summary = decodeTracesJson(JSON.stringify(jsonRequest(SAMPLE)), batch)
    expect(summary.spans).toBe(5)
    expectSameFacts(batchFacts(batch), referenceFacts(handEncodeRequest(SAMPLE)))
  })

  test('roots, numeric times and absent ids', () => {
    const doc = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from(traceId(4)).toString('hex'),
                  spanId: '0102030405060708',
                  startTimeUnixNano: '1764460800001000000'
                },
                {
                  traceId: Buffer.from(traceId(4)).toString('hex'),
                  parentSpanId: '0102030405060708',
                  startTimeUnixNano: 1764460800002000000
                },
                { parentSpanId: '0000000000000000' }
              ]
            }
          ]
        }
      ]
    }
    const batch = new SpanBatch()
    decodeTracesJson(JSON.stringify(doc), batch)
    const [a, b] = fold(traceId(4))
    const facts = batchFacts(batch)
    expect(facts.map(({ startMs: _, ...rest }) => rest)).toEqual([
      { root: true, traceA: a, traceB: b },
      { root: false, traceA: a, traceB: b },
      { root: true, traceA: 0, traceB: 0 }
    ])
    expect(facts[0]!.startMs).toBe(1764460800001) // decimal string: exact
    expect(facts[1]!.startMs).toBeCloseTo(1764460800002, 2) // a JSON number above 2^53 is not
    expect(facts[2]!.startMs).toBe(0)
  })

  test('a start time that is not a decimal string is a 400 naming the span', () => {
    const doc = { resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: '17e17' }] }] }] }
    expect(() => decodeTracesJson(JSON.stringify(doc), new SpanBatch())).toThrow(
      /\$\.resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.startTimeUnixNano must be a decimal string/
    )
  })
})

describe('countTraceExport', () => {
  test('gzip protobuf and JSON give the same facts; a rejected body leaves the batch empty', () => {
    const body = craftRequest(mixed)
    const batch = new SpanBatch()
    const pb = countTraceExport(
      gzipSync(body),
      { contentType: 'application/x-protobuf', contentEncoding: 'gzip' },
      batch
    )
    expect(pb).toMatchObject({ spans: 5, format: 'protobuf', serviceNames: ['svc'] })
    expectSameFacts(batchFacts(batch), referenceFacts(body))

    expect(() =>
      countTraceExport(body.subarray(0, body.length - 3), { contentType: 'application/x-protobuf' }, batch)
    ).toThrow(OtlpDecodeError)
    expect(batch.count).toBe(0)
    expect(() =>
      countTraceExport(
        Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{}, 5]}]}]}'),
        { contentType: 'application/json' },
        batch
      )
    ).toThrow(OtlpDecodeError)
    expect(batch.count).toBe(0)
  })

  test('validateSpans (depth full) rejects a corrupt span the walker alone would skip', () => {
    // Span.attributes (9) holding a truncated KeyValue: skipped by the walker, decoded by the full decoder.
    const w = protobuf.Writer.create()
    w.uint32((1 << 3) | 2)
      .fork()
      .uint32((2 << 3) | 2)
      .fork()
      .uint32((2 << 3) | 2)
      .fork()
    w.uint32((9 << 3) | 2).bytes(Uint8Array.from([0x0a, 0x05, 0x61]))
    w.ldelim().ldelim().ldelim()
    const body = w.finish()
    expect(countTraceExport(body, { contentType: 'application/x-protobuf' }, new SpanBatch()).spans).toBe(1)
    expect(() =>
      countTraceExport(body, { contentType: 'application/x-protobuf', depth: 'full' }, new SpanBatch())
    ).toThrow(OtlpDecodeError)
  })
})

test('nanosWordsToMs matches BigInt arithmetic over the range of real timestamps', () => {
  for (const ns of [0n, 1n, 999_999n, 1_000_000n, T0, T0 + 123_456_789n, 2n ** 63n - 1n]) {
    const lo = Number(ns & 0xffffffffn)
    const hi = Number(ns >> 32n)
    expect(nanosWordsToMs(lo, hi)).toBeCloseTo(Number(ns) / 1e6, 3)
  }
})

test('the batch grows past its initial capacity', () => {
  const spans: CraftedSpan[] = Array.from({ length: 3000 }, (_, i) => ({
    trace: i,
    root: i % 3 === 0,
    startNs: T0 + BigInt(i) * 1_000_000n
  }))
  const { facts } = walk(craftRequest(spans))
  expect(facts).toHaveLength(3000)
  expect(facts.filter((f) => f.root)).toHaveLength(1000)
  expect(facts[2999]!.startMs).toBe(Number(T0 / 1_000_000n) + 2999)
})
