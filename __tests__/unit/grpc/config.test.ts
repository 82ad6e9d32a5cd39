import { ConfigError, parseConfig, targetOf, type RawInputs } from '../../../src/config/config.js'

const base: RawInputs = { 'start-command': 'node server.mjs' }
const grpcBase: RawInputs = { ...base, 'grpc-method': 'user.UserService/GetUser', 'grpc-proto': 'user.proto' }

test('without grpc-method the target is HTTP (grpc: null); the action passing the defaults changes nothing', () => {
  expect(parseConfig(base).grpc).toBeNull()
  // The runner sets every input with a default, so defaults must not count as "given".
  expect(parseConfig({ ...base, 'grpc-request': '{}', 'target-url': 'http://127.0.0.1:{port}/' }).grpc).toBeNull()
})

test('parses the gRPC inputs; otlp-protocol accepts grpc', () => {
  const c = parseConfig({
    ...grpcBase,
    'grpc-request': ' {"user_id": "123", "tags": ["a"]} ',
    'grpc-metadata': 'X-Tenant = acme\n# comment\n\ntrace-bin=AQI=',
    'otlp-protocol': 'grpc'
  })
  expect(c.grpc).toEqual({
    protoPath: 'user.proto',
    method: 'user.UserService/GetUser',
    request: { user_id: '123', tags: ['a'] },
    metadata: { 'x-tenant': 'acme', 'trace-bin': 'AQI=' }
  })
  expect(Object.isFrozen(c.grpc)).toBe(true)
  expect(c.otlpProtocol).toBe('grpc')
  expect(targetOf(c)).toBe('grpc://127.0.0.1:{port}/user.UserService/GetUser')
  expect(targetOf(parseConfig(base))).toBe('http://127.0.0.1:{port}/')
})

test.each<[string, RawInputs, string, string]>([
  [
    'proto without method',
    { ...base, 'grpc-proto': 'user.proto' },
    'grpc-proto',
    "'grpc-proto' needs 'grpc-method' (the gRPC method to load), got 'user.proto'"
  ],
  [
    'request without method',
    { ...base, 'grpc-request': '{"a":1}' },
    'grpc-request',
    "'grpc-request' needs 'grpc-method'"
  ],
  [
    'method without proto',
    { ...base, 'grpc-method': 'user.UserService/GetUser' },
    'grpc-proto',
    "'grpc-proto' is required with 'grpc-method' (the .proto file that defines user.UserService/GetUser), got ''"
  ],
  [
    'malformed method',
    { ...grpcBase, 'grpc-method': 'GetUser' },
    'grpc-method',
    "'grpc-method' must be package.Service/Method such as user.UserService/GetUser, got 'GetUser'"
  ],
  [
    'target-url with a gRPC target',
    { ...grpcBase, 'target-url': 'http://127.0.0.1:{port}/x' },
    'target-url',
    "'target-url' does not apply when 'grpc-method' is set"
  ],
  [
    'ready-url with a gRPC target',
    { ...grpcBase, 'ready-url': 'http://127.0.0.1:{port}/healthz' },
    'ready-url',
    "'ready-url' does not apply when 'grpc-method' is set"
  ],
  [
    'request not JSON',
    { ...grpcBase, 'grpc-request': "{user_id: '1'}" },
    'grpc-request',
    '\'grpc-request\' must be a JSON object such as {"user_id":"123"} ('
  ],
  ['request an array', { ...grpcBase, 'grpc-request': '[1]' }, 'grpc-request', "(not an object), got '[1]'"],
  [
    'metadata line without =',
    { ...grpcBase, 'grpc-metadata': 'x-a=1\nauthorization' },
    'grpc-metadata',
    "'grpc-metadata' line 2 must be key=value with a key of letters, digits, '_', '-', '.', got 'authorization'"
  ],
  [
    'unknown otlp protocol',
    { ...base, 'otlp-protocol': 'grpc+tls' },
    'otlp-protocol',
    "'otlp-protocol' must be one of http/protobuf, http/json, grpc, got 'grpc+tls'"
  ]
])('%s', (_name, raw, input, message) => {
  let err: unknown
  try {
    parseConfig(raw)
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(ConfigError)
  expect((err as ConfigError).input).toBe(input)
  expect((err as ConfigError).message).toContain(message)
})
