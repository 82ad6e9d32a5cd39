import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import protobuf from 'protobufjs'
import { GrpcTargetError, loadGrpcTarget, type GrpcTargetSpec } from '../../../src/load/grpc-target.js'
import { USER_PROTO } from '../../helpers/grpc.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-target-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

// A proto exercising every conversion rule; decoded independently with protobufjs below.
const KITCHEN = path.join(dir, 'kitchen.proto')
fs.writeFileSync(
  KITCHEN,
  `syntax = "proto3";
package k.v1;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }
message Inner { string note = 1; }
message Req {
  string user_id = 1;
  int64 big = 2;
  uint32 small = 3;
  bool flag = 4;
  double ratio = 5;
  bytes blob = 6;
  Color color = 7;
  repeated Inner items = 8;
  map<string, int32> counts = 9;
  google.protobuf.Timestamp at = 10;
  google.protobuf.Duration wait = 11;
  google.protobuf.StringValue maybe = 12;
  oneof choice { string a = 13; int32 b = 14; }
  string renamed = 15 [json_name = "alias"];
}
message Resp { string ok = 1; }
service Kitchen {
  rpc Do(Req) returns (Resp);
  rpc Stream(Req) returns (stream Resp);
}
`
)
const reqType = new protobuf.Root().loadSync(KITCHEN, { keepCase: true }).lookupType('k.v1.Req')
const decode = (spec: Partial<GrpcTargetSpec>): Record<string, unknown> =>
  reqType.toObject(
    reqType.decode(
      loadGrpcTarget({ protoPath: KITCHEN, method: 'k.v1.Kitchen/Do', request: {}, ...spec }).requestBytes
    ),
    {
      longs: String,
      enums: String,
      bytes: String
    }
  )

test('the fixture method resolves to its path and encodes user_id (ghz spelling) and userId alike', () => {
  const a = loadGrpcTarget({ protoPath: USER_PROTO, method: 'user.UserService/GetUser', request: { user_id: '123' } })
  const b = loadGrpcTarget({ protoPath: USER_PROTO, method: 'user.UserService.GetUser', request: { userId: '123' } })
  expect(a.path).toBe('/user.UserService/GetUser')
  expect(a.method).toBe('user.UserService/GetUser')
  // field 1, length-delimited, "123"
  expect([...a.requestBytes]).toEqual([0x0a, 3, 0x31, 0x32, 0x33])
  expect(b.requestBytes.equals(a.requestBytes)).toBe(true)
})

test('protojson forms: 64-bit strings, enum names, base64 bytes, maps, repeated messages, well-known types, json_name', () => {
  const got = decode({
    request: {
      userId: 'u',
      big: '9007199254740993',
      small: 7,
      flag: true,
      ratio: 'NaN',
      blob: Buffer.from('hi').toString('base64'),
      color: 'GREEN',
      items: [{ note: 'x' }, { note: 'y' }],
      counts: { a: 1, b: '2' },
      at: '2024-01-02T03:04:05.5Z',
      wait: '1.25s',
      maybe: 'wrapped',
      b: 9,
      alias: 'via json_name'
    }
  })
  expect(got).toEqual({
    user_id: 'u',
    big: '9007199254740993',
    small: 7,
    flag: true,
    ratio: NaN,
    blob: Buffer.from('hi').toString('base64'),
    color: 'GREEN',
    items: [{ note: 'x' }, { note: 'y' }],
    counts: { a: 1, b: 2 },
    at: { seconds: String(Date.UTC(2024, 0, 2, 3, 4, 5) / 1000), nanos: 500_000_000 },
    wait: { seconds: '1', nanos: 250_000_000 },
    maybe: { value: 'wrapped' },
    b: 9,
    renamed: 'via json_name'
  })
})

test('metadata keys are lower-cased; -bin values are base64-decoded', () => {
  const t = loadGrpcTarget({
    protoPath: USER_PROTO,
    method: 'user.UserService/GetUser',
    request: {},
    metadata: { 'X-Tenant': 'acme', 'trace-bin': Buffer.from([1, 2]).toString('base64') }
  })
  expect(t.metadata).toEqual([
    ['x-tenant', 'acme'],
    ['trace-bin', Buffer.from([1, 2])]
  ])
})

describe('rejects, naming the input and quoting the value', () => {
  const names = { proto: 'grpc-proto', method: 'grpc-method', request: 'grpc-request', metadata: 'grpc-metadata' }
  test.each<[string, Partial<GrpcTargetSpec>, GrpcTargetError['field'], RegExp]>([
    [
      'missing proto file',
      { protoPath: path.join(dir, 'nope.proto') },
      'proto',
      /^'grpc-proto' must be the path of a \.proto file, got '.*nope\.proto' \(no such file\)$/
    ],
    [
      'proto syntax error',
      { protoPath: path.join(dir, 'broken.proto') },
      'proto',
      /^'grpc-proto' could not be loaded from '.*broken\.proto': /
    ],
    ['method syntax', { method: 'Do' }, 'method', /^'grpc-method' must be package\.Service\/Method .*got 'Do'$/],
    [
      'unknown service',
      { method: 'k.v1.Nope/Do' },
      'method',
      /service 'k\.v1\.Nope', which .* does not define \(services: k\.v1\.Kitchen\), got 'k\.v1\.Nope\/Do'/
    ],
    [
      'unknown method',
      { method: 'k.v1.Kitchen/Dont' },
      'method',
      /method 'Dont', which service k\.v1\.Kitchen does not have \(methods: Do, Stream\)/
    ],
    [
      'streaming method',
      { method: 'k.v1.Kitchen/Stream' },
      'method',
      /must be a unary method; k\.v1\.Kitchen\/Stream streams/
    ],
    [
      'unknown field',
      { request: { userid: '1' } },
      'request',
      /^'grpc-request' is not a valid k\.v1\.Req for k\.v1\.Kitchen\/Do: userid is not a field of k\.v1\.Req \(fields: user_id, /
    ],
    [
      'nested unknown field',
      { request: { items: [{ nope: 1 }] } },
      'request',
      /items\[0\]\.nope is not a field of k\.v1\.Inner/
    ],
    [
      'number for string',
      { request: { user_id: 123 } },
      'request',
      /user_id must be a string \(string\), got number 123/
    ],
    [
      'fraction for int',
      { request: { small: 1.5 } },
      'request',
      /small must be an integer from 0 to 4294967295 \(uint32\), got number 1\.5/
    ],
    ['int64 beyond range', { request: { big: '9223372036854775808' } }, 'request', /big must be an integer/],
    [
      'unknown enum name',
      { request: { color: 'BLUE' } },
      'request',
      /color must be one of COLOR_UNSPECIFIED, RED, GREEN \(enum k\.v1\.Color\) or its number, got the string "BLUE"/
    ],
    ['object for repeated', { request: { items: { note: 'x' } } }, 'request', /items must be a JSON array/],
    [
      'two oneof members',
      { request: { a: 'x', b: 1 } },
      'request',
      /b and a are both set, but belong to the same oneof 'choice'/
    ],
    ['same field twice', { request: { user_id: 'a', userId: 'b' } }, 'request', /userId is given twice/],
    ['bad timestamp', { request: { at: 'yesterday' } }, 'request', /at must be an RFC 3339 timestamp/],
    [
      'request not an object',
      { request: [1] },
      'request',
      /the request must be a JSON object \(k\.v1\.Req\), got an array/
    ],
    [
      'reserved metadata key',
      { metadata: { 'grpc-timeout': '1S' } },
      'metadata',
      /^'grpc-metadata' keys must be .* got 'grpc-timeout'$/
    ],
    [
      'binary metadata not base64',
      { metadata: { 'x-bin': 'not base64!' } },
      'metadata',
      /value of binary key 'x-bin' must be base64, got 'not base64!'/
    ]
  ])('%s', (_name, spec, field, message) => {
    fs.writeFileSync(path.join(dir, 'broken.proto'), 'syntax = "proto3"; message {')
    let err: unknown
    try {
      loadGrpcTarget({ protoPath: KITCHEN, method: 'k.v1.Kitchen/Do', request: {}, names, ...spec })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(GrpcTargetError)
    expect((err as GrpcTargetError).field).toBe(field)
    expect((err as GrpcTargetError).message).toMatch(message)
  })
})
