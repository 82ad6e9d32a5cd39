import { gzipSync } from 'node:zlib'
import protobuf from 'protobufjs'
import {
  OtlpDecodeError,
  decodeContentEncoding,
  decodeTraceExport,
  decodeTracesJson,
  decodeTracesProtobuf,
  encodeExportTraceServiceResponse,
  encodeRpcStatus,
  formatFromContentType,
  otlpTypes
} from '../../../src/otlp/decode.js'
import { SAMPLE, handEncodeRequest, id, jsonRequest } from '../../helpers/otlp.js'

/** Runs `fn` and returns the OtlpDecodeError it throws (fails the test otherwise). */
function decodeError(fn: () => unknown): OtlpDecodeError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(OtlpDecodeError)
    return e as OtlpDecodeError
  }
  throw new Error('expected an OtlpDecodeError, nothing was thrown')
}

const json = (doc: unknown): Uint8Array => Buffer.from(JSON.stringify(doc), 'utf8')

describe('decodeTracesProtobuf', () => {
  const body = handEncodeRequest(SAMPLE)

  test.each(['count', 'full'] as const)('counts spans, resources and service names (%s)', (depth) => {
    expect(decodeTracesProtobuf(body, depth)).toEqual({ spans: 5, resourceSpans: 2, serviceNames: ['alpha', 'beta'] })
  })

  test('the embedded schema has the field numbers of opentelemetry-proto', () => {
    // helpers.ts writes every field by number; reading them back by name checks our .proto text.
    const req = otlpTypes.ExportTraceServiceRequest.toObject(otlpTypes.ExportTraceServiceRequest.decode(body), {
      longs: String,
      enums: String,
      bytes: String
    }) as {
      resourceSpans: Array<{
        schemaUrl: string
        scopeSpans: Array<{ scope: { name: string }; spans: Array<Record<string, any>> }>
      }>
    }
    const rs = req.resourceSpans[0]!
    expect(rs.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0')
    expect(rs.scopeSpans.map((s) => s.scope.name)).toEqual(['@opentelemetry/instrumentation-http', 'fixture'])
    const span = rs.scopeSpans[0]!.spans[0]!
    expect(span).toMatchObject({
      name: 'GET',
      kind: 'SPAN_KIND_SERVER',
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000000250000',
      flags: 0x101,
      status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
      attributes: [{ key: 'http.response.status_code', value: { intValue: '200' } }]
    })
    expect(Buffer.from(span.traceId as string, 'base64')).toEqual(Buffer.from(id(16, 3)))
    expect(Buffer.from(span.spanId as string, 'base64')).toEqual(Buffer.from(id(8, 4)))
    expect(Buffer.from(span.parentSpanId as string, 'base64')).toEqual(Buffer.from(id(8, 5)))
    expect(rs.scopeSpans[1]!.spans[0]!.kind).toBe('SPAN_KIND_INTERNAL')
  })

  test('an empty body is a valid request with no spans', () => {
    expect(decodeTracesProtobuf(new Uint8Array(0))).toEqual({ spans: 0, resourceSpans: 0, serviceNames: [] })
  })

  test('resources without service.name contribute spans but no name', () => {
    const b = handEncodeRequest([{ scopes: [{ name: 's', spans: [{ name: 'x' }] }] }])
    expect(decodeTracesProtobuf(b)).toEqual({ spans: 1, resourceSpans: 1, serviceNames: [] })
  })

  test.each([
    ['a truncated length prefix', Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])],
    ['a length running past the end', Uint8Array.from([0x0a, 0x10, 0x01, 0x02])],
    ['JSON sent as protobuf', Buffer.from('{"resourceSpans":[]}')],
    ['a truncated real request', handEncodeRequest(SAMPLE).subarray(0, 37)]
  ])('rejects %s with a 400 naming the size', (_label, bad) => {
    const err = decodeError(() => decodeTracesProtobuf(bad, 'full'))
    expect(err.status).toBe(400)
    expect(err.message).toMatch(new RegExp(`not a protobuf ExportTraceServiceRequest \\(${bad.length} bytes\\)`))
  })

  test('count depth treats spans as opaque; full depth rejects a corrupt span', () => {
    // One resource, one scope, one "span" whose content is a wrong-length field.
    const w = protobuf.Writer.create()
    w.uint32((1 << 3) | 2).fork()
    w.uint32((2 << 3) | 2).fork()
    w.uint32((2 << 3) | 2).bytes(Uint8Array.from([0x2a, 0x7f, 0x01])) // span: name (5, LEN) claims 127 bytes, has 1
    w.ldelim().ldelim()
    const b = w.finish()
    expect(decodeTracesProtobuf(b, 'count').spans).toBe(1)
    expect(decodeError(() => decodeTracesProtobuf(b, 'full')).status).toBe(400)
  })
})

describe('decodeTracesJson', () => {
  test('counts spans, resources and service names', () => {
    expect(decodeTracesJson(json(jsonRequest(SAMPLE)))).toEqual({
      spans: 5,
      resourceSpans: 2,
      serviceNames: ['alpha', 'beta']
    })
  })

  test('accepts a string, an empty object and omitted/null lists', () => {
    expect(decodeTracesJson('{}')).toEqual({ spans: 0, resourceSpans: 0, serviceNames: [] })
    expect(decodeTracesJson(json({ resourceSpans: [{ scopeSpans: null }, { scopeSpans: [{}] }] }))).toEqual({
      spans: 0,
      resourceSpans: 2,
      serviceNames: []
    })
  })

  test('ignores unknown keys, as the OTLP/JSON spec requires', () => {
    const doc = {
      futureField: 1,
      resourceSpans: [{ other: true, scopeSpans: [{ spans: [{ name: 'x', extra: [] }] }] }]
    }
    expect(decodeTracesJson(json(doc)).spans).toBe(1)
  })

  test.each([
    ['[]', /the body must be an object, got an array/],
    ['null', /the body must be an object, got null/],
    ['"spans"', /the body must be an object, got the string "spans"/],
    ['42', /the body must be an object, got a number/],
    ['{"resourceSpans":', /not valid JSON/],
    ['{"resourceSpans":{}}', /\$\.resourceSpans must be an array, got an object/],
    ['{"resourceSpans":[1]}', /\$\.resourceSpans\[0\] must be an object, got a number/],
    [
      '{"resourceSpans":[{"scopeSpans":[{"spans":"x"}]}]}',
      /\$\.resourceSpans\[0\]\.scopeSpans\[0\]\.spans must be an array, got the string "x"/
    ],
    ['{"resourceSpans":[{"scopeSpans":[{"spans":[null]}]}]}', /spans\[0\] must be an object, got null/],
    ['{"resourceSpans":[{"resource":[]}]}', /resource must be an object, got an array/],
    [
      '{"resourceSpans":[{"resource":{"attributes":[{"key":1}]}}]}',
      /attributes\[0\]\.key must be a string, got a number/
    ],
    ['{"resource_spans":[]}', /found 'resource_spans'; OTLP\/JSON uses lowerCamelCase keys \('resourceSpans'\)/],
    ['{"resourceSpans":[{"scope_spans":[]}]}', /found \$\.resourceSpans\[0\]\.scope_spans/],
    // Ids are hex in OTLP/JSON; base64 (the proto3 JSON default) is a classic mistake.
    [
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"AAECAwQFBgcICQoLDA0ODw=="}]}]}]}',
      /traceId must be 32 hex digits/
    ],
    [
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"zz"}]}]}]}',
      /spanId must be 16 hex digits, got the string "zz"/
    ]
  ])('rejects %s', (text, message) => {
    const err = decodeError(() => decodeTracesJson(text))
    expect(err.status).toBe(400)
    expect(err.message).toMatch(message)
  })
})

describe('content type and encoding', () => {
  test.each([
    ['application/x-protobuf', 'protobuf'],
    ['Application/X-Protobuf', 'protobuf'],
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['text/plain', null],
    ['application/grpc', null],
    [undefined, null]
  ])('%s → %s', (ct, format) => {
    expect(formatFromContentType(ct)).toBe(format)
  })

  test('gzip bodies are inflated before decoding, in both formats', () => {
    const pb = gzipSync(handEncodeRequest(SAMPLE))
    expect(decodeTraceExport(pb, { contentType: 'application/x-protobuf', contentEncoding: 'gzip' })).toEqual({
      spans: 5,
      resourceSpans: 2,
      serviceNames: ['alpha', 'beta'],
      format: 'protobuf'
    })
    const js = gzipSync(json(jsonRequest(SAMPLE)))
    expect(decodeTraceExport(js, { contentType: 'application/json', contentEncoding: 'GZIP' }).spans).toBe(5)
  })

  test('identity and absent encodings pass the body through', () => {
    const b = handEncodeRequest(SAMPLE)
    expect(decodeContentEncoding(b, undefined)).toBe(b)
    expect(decodeContentEncoding(b, 'identity')).toBe(b)
  })

  test('corrupt gzip is a 400, an unknown encoding a 415, a bomb a 413', () => {
    expect(decodeError(() => decodeContentEncoding(Buffer.from('not gzip'), 'gzip'))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/invalid gzip body \(8 bytes\)/)
    })
    expect(decodeError(() => decodeContentEncoding(Buffer.from('x'), 'br'))).toMatchObject({
      status: 415,
      message: expect.stringContaining("unsupported Content-Encoding 'br'")
    })
    const bomb = gzipSync(Buffer.alloc(1024 * 1024))
    expect(decodeError(() => decodeContentEncoding(bomb, 'gzip', 64 * 1024))).toMatchObject({
      status: 413,
      message: expect.stringContaining('more than 65536 bytes')
    })
  })

  test('an unsupported content type is a 415 quoting it', () => {
    const err = decodeError(() => decodeTraceExport(Buffer.from('x'), { contentType: 'text/plain' }))
    expect(err.status).toBe(415)
    expect(err.message).toContain("'text/plain'")
  })

  test('decodeTraceExport honours depth for protobuf', () => {
    const w = protobuf.Writer.create()
    w.uint32((1 << 3) | 2)
      .fork()
      .uint32((2 << 3) | 2)
      .fork()
    w.uint32((2 << 3) | 2).bytes(Uint8Array.from([0x2a, 0x7f]))
    w.ldelim().ldelim()
    const b = w.finish()
    expect(decodeTraceExport(b, { contentType: 'application/x-protobuf' }).spans).toBe(1)
    expect(() => decodeTraceExport(b, { contentType: 'application/x-protobuf', depth: 'full' })).toThrow(
      OtlpDecodeError
    )
  })
})

describe('responses', () => {
  test('a full success is an empty ExportTraceServiceResponse', () => {
    const body = encodeExportTraceServiceResponse()
    expect(body.length).toBe(0)
    expect(otlpTypes.ExportTraceServiceResponse.toObject(otlpTypes.ExportTraceServiceResponse.decode(body))).toEqual({})
  })

  test('partial_success is field 1 with rejected_spans=1 and error_message=2', () => {
    const T = otlpTypes.ExportTraceServiceResponse
    const bytes = T.encode(T.create({ partialSuccess: { rejectedSpans: 3, errorMessage: 'x' } })).finish()
    // 0x0a = field 1 LEN; inside: 0x08 0x03 (field 1 varint 3), 0x12 0x01 'x' (field 2 LEN)
    expect(Buffer.from(bytes).toString('hex')).toBe('0a050803120178')
  })

  test('error bodies are google.rpc.Status in the request format', () => {
    expect(JSON.parse(Buffer.from(encodeRpcStatus('json', 3, 'bad')).toString())).toEqual({ code: 3, message: 'bad' })
    const pb = encodeRpcStatus('protobuf', 3, 'bad')
    expect(Buffer.from(pb).toString('hex')).toBe('0803120362616' + '4')
    expect(otlpTypes.RpcStatus.toObject(otlpTypes.RpcStatus.decode(pb))).toEqual({ code: 3, message: 'bad' })
  })
})
