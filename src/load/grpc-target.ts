/**
 * A gRPC load target: the method found in the user's .proto file, the request JSON converted to its
 * protobuf bytes once (every call sends the same bytes), and the call metadata.
 *
 * The request JSON is read the way protojson (ghz, grpcurl) reads it — field names in their proto
 * (`user_id`) or JSON (`userId`) spelling, 64-bit integers as numbers or strings, enums by name or
 * number, bytes as base64, Timestamp/Duration as strings, wrappers as bare values — but strictly: an
 * unknown field or a value of the wrong type is an error. protobufjs's own `fromObject` silently drops
 * unknown keys, so `{"user_id": "123"}` against camelCase names would send an empty request and the
 * gate would benchmark the wrong code path.
 */
import * as fs from 'node:fs'
import protobuf from 'protobufjs'

/** Which part of the target definition is wrong (the caller maps it to its input name). */
export type GrpcTargetField = 'proto' | 'method' | 'request' | 'metadata'

/** A bad proto file, method, request or metadata; the message names the input and quotes the value. */
export class GrpcTargetError extends Error {
  constructor(
    readonly field: GrpcTargetField,
    message: string
  ) {
    super(message)
    this.name = 'GrpcTargetError'
  }
}

/** What {@link loadGrpcTarget} needs. */
export interface GrpcTargetSpec {
  /** Path of the .proto file (imports resolve relative to the importing file; google/protobuf/* built in). */
  protoPath: string
  /** `package.Service/Method` (also `package.Service.Method`, as ghz writes it). */
  method: string
  /** The request message as parsed JSON (an object). */
  request: unknown
  /** Call metadata; keys ending in `-bin` take base64 values. */
  metadata?: Readonly<Record<string, string>>
  /** Names used in error messages for each part, e.g. the action's input names (default: the field names). */
  names?: Partial<Record<GrpcTargetField, string>>
}

/** A resolved unary method with its pre-encoded request. */
export interface GrpcTarget {
  /** HTTP/2 path of the method, e.g. `/user.UserService/GetUser`. */
  path: string
  /** `user.UserService/GetUser`, for messages. */
  method: string
  /** The encoded request message sent by every call. */
  requestBytes: Buffer
  /** Metadata as [key, value] pairs (keys lower-cased; `-bin` values decoded). */
  metadata: ReadonlyArray<readonly [string, string | Buffer]>
  /** Decodes a response message (throws when the bytes are not one); used by the readiness probe. */
  decodeResponse(bytes: Uint8Array): unknown
}

/** Load the proto, find the method, convert the request and check the metadata. Throws GrpcTargetError. */
export function loadGrpcTarget(spec: GrpcTargetSpec): GrpcTarget {
  const name = (f: GrpcTargetField): string => spec.names?.[f] ?? f
  const bad: Bad = (f, msg) => new GrpcTargetError(f, `'${name(f)}' ${msg}`)
  const root = loadProto(spec.protoPath, bad)
  const { method, qualified } = findUnaryMethod(root, spec, bad)
  const requestType = method.resolvedRequestType as protobuf.Type
  const responseType = method.resolvedResponseType as protobuf.Type

  let requestBytes: Buffer
  try {
    const plain = toMessage(requestType, spec.request, '')
    requestBytes = Buffer.from(requestType.encode(requestType.fromObject(plain)).finish())
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e
    throw bad('request', `is not a valid ${requestType.fullName.slice(1)} for ${qualified}: ${e.message}`)
  }

  return {
    path: `/${qualified}`,
    method: qualified,
    requestBytes,
    metadata: callMetadata(spec.metadata ?? {}, bad),
    decodeResponse: (bytes) => responseType.decode(bytes)
  }
}

/** Builds the error of one part of the target, its message prefixed with the part's input name. */
type Bad = (f: GrpcTargetField, msg: string) => GrpcTargetError

/** The .proto file with its imports, every type resolved. */
function loadProto(protoPath: string, bad: Bad): protobuf.Root {
  if (!fs.existsSync(protoPath))
    throw bad('proto', `must be the path of a .proto file, got '${protoPath}' (no such file)`)
  try {
    // keepCase: fields keep their proto names, which protojson accepts along with the JSON names.
    const root = new protobuf.Root().loadSync(protoPath, { keepCase: true })
    root.resolveAll()
    return root
  } catch (e) {
    throw bad('proto', `could not be loaded from '${protoPath}': ${e instanceof Error ? e.message : String(e)}`)
  }
}

/** The method `spec.method` names, which must exist in the proto and be unary. */
function findUnaryMethod(
  root: protobuf.Root,
  spec: GrpcTargetSpec,
  bad: Bad
): { method: protobuf.Method; qualified: string } {
  const m = /^\/?([A-Za-z_][\w.]*)[/.]([A-Za-z_]\w*)$/.exec(spec.method.trim())
  if (!m) throw bad('method', `must be package.Service/Method (e.g. user.UserService/GetUser), got '${spec.method}'`)
  const [, serviceName, methodName] = m as unknown as [string, string, string]
  const service = root.lookup(serviceName)
  if (!(service instanceof protobuf.Service)) {
    const services = listServices(root)
    throw bad(
      'method',
      `names service '${serviceName}', which '${spec.protoPath}' does not define (services: ` +
        `${services.length > 0 ? services.join(', ') : 'none'}), got '${spec.method}'`
    )
  }
  const method = service.methods[methodName]
  const qualified = `${service.fullName.slice(1)}/${methodName}`
  if (method === undefined) {
    throw bad(
      'method',
      `names method '${methodName}', which service ${service.fullName.slice(1)} does not have (methods: ` +
        `${Object.keys(service.methods).join(', ') || 'none'}), got '${spec.method}'`
    )
  }
  if (method.requestStream === true || method.responseStream === true) {
    throw bad(
      'method',
      `must be a unary method; ${qualified} streams (only unary calls are load-tested), got '${spec.method}'`
    )
  }
  return { method, qualified }
}

/** The call metadata as [key, value] pairs: keys lower-cased and checked, `-bin` values decoded from base64. */
function callMetadata(raw: Readonly<Record<string, string>>, bad: Bad): Array<readonly [string, string | Buffer]> {
  const metadata: Array<readonly [string, string | Buffer]> = []
  for (const [rawKey, value] of Object.entries(raw)) {
    const key = rawKey.toLowerCase()
    // The HTTP/2 header-name characters gRPC allows; reserved grpc-* and pseudo-headers are not ours to set.
    if (!/^[0-9a-z_.-]+$/.test(key) || key.startsWith('grpc-') || RESERVED_HEADERS.has(key)) {
      throw bad(
        'metadata',
        `keys must be lower-case letters, digits, '_', '-', '.', not start with 'grpc-' and not be one of ` +
          `${[...RESERVED_HEADERS].join(', ')}, got '${rawKey}'`
      )
    }
    if (key.endsWith('-bin')) {
      if (!BASE64.test(value)) throw bad('metadata', `value of binary key '${rawKey}' must be base64, got '${value}'`)
      metadata.push([key, Buffer.from(value, 'base64')])
    } else {
      // Printable ASCII only: anything else is not a valid HTTP/2 header value.
      if (!/^[\x20-\x7e]*$/.test(value))
        throw bad(
          'metadata',
          `value of '${rawKey}' must be printable ASCII (use a '-bin' key for binary), got '${value}'`
        )
      metadata.push([key, value])
    }
  }
  return metadata
}

function listServices(ns: protobuf.NamespaceBase): string[] {
  const out: string[] = []
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Service) out.push(nested.fullName.slice(1))
    else if (nested instanceof protobuf.Namespace) out.push(...listServices(nested))
  }
  return out
}

// Set by the gRPC transport itself, or HTTP/1 connection headers that HTTP/2 forbids.
const RESERVED_HEADERS = new Set([
  'content-type',
  'te',
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade'
])

class ConversionError extends Error {}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`
  if (typeof v === 'object') return 'an object'
  return `${typeof v} ${String(v)}`
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

/** lowerCamelCase of a proto field name, as protoc derives the JSON name. */
function jsonNameOf(field: protobuf.Field): string {
  const explicit = field.options?.['json_name']
  if (typeof explicit === 'string') return explicit
  return field.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

const WRAPPERS = new Set([
  '.google.protobuf.DoubleValue',
  '.google.protobuf.FloatValue',
  '.google.protobuf.Int64Value',
  '.google.protobuf.UInt64Value',
  '.google.protobuf.Int32Value',
  '.google.protobuf.UInt32Value',
  '.google.protobuf.BoolValue',
  '.google.protobuf.StringValue',
  '.google.protobuf.BytesValue'
])

/** A JSON value → the plain object protobufjs' fromObject expects (proto field names), strictly. */
function toMessage(type: protobuf.Type, value: unknown, path: string): Record<string, unknown> {
  const where = path === '' ? 'the request' : path
  const special = wellKnown(type, value, where)
  if (special !== null) return special
  if (!isPlainObject(value))
    throw new ConversionError(`${where} must be a JSON object (${type.fullName.slice(1)}), got ${describe(value)}`)
  const out: Record<string, unknown> = {}
  const oneofSet = new Map<string, string>()
  for (const [key, v] of Object.entries(value)) {
    const field = type.fieldsArray.find((f) => f.name === key || jsonNameOf(f) === key)
    if (field === undefined) {
      const known = type.fieldsArray.map((f) => f.name).join(', ')
      throw new ConversionError(
        `${at(path, key)} is not a field of ${type.fullName.slice(1)} (fields: ${known || 'none'})`
      )
    }
    if (field.name in out)
      throw new ConversionError(`${at(path, key)} is given twice (as '${field.name}' and '${jsonNameOf(field)}')`)
    // protojson: null means "default", i.e. leave the field out (google.protobuf.Value aside, not supported).
    if (v === null) continue
    const oneof = field.partOf
    if (oneof !== null && oneof !== undefined) {
      const other = oneofSet.get(oneof.name)
      if (other !== undefined)
        throw new ConversionError(
          `${at(path, key)} and ${at(path, other)} are both set, but belong to the same oneof '${oneof.name}'`
        )
      oneofSet.set(oneof.name, key)
    }
    out[field.name] = convertField(field, v, at(path, key))
  }
  return out
}

function convertField(field: protobuf.Field, v: unknown, path: string): unknown {
  if (field instanceof protobuf.MapField) {
    if (!isPlainObject(v)) throw new ConversionError(`${path} must be a JSON object (a map), got ${describe(v)}`)
    const out: Record<string, unknown> = {}
    for (const [k, item] of Object.entries(v)) {
      if (field.keyType !== 'string') convertScalar(field.keyType, k, `${path} key`)
      out[k] = convertSingle(field, item, `${path}[${JSON.stringify(k)}]`)
    }
    return out
  }
  if (field.repeated) {
    if (!Array.isArray(v))
      throw new ConversionError(`${path} must be a JSON array (repeated ${field.type}), got ${describe(v)}`)
    return v.map((item, i) => convertSingle(field, item, `${path}[${i}]`))
  }
  return convertSingle(field, v, path)
}

function convertSingle(field: protobuf.Field, v: unknown, path: string): unknown {
  const resolved = field.resolvedType
  if (resolved instanceof protobuf.Type) return toMessage(resolved, v, path)
  if (resolved instanceof protobuf.Enum) {
    if (typeof v === 'string' && v in resolved.values) return resolved.values[v]
    if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v
    throw new ConversionError(
      `${path} must be one of ${Object.keys(resolved.values).join(', ')} (enum ${resolved.fullName.slice(1)}) or its ` +
        `number, got ${describe(v)}`
    )
  }
  return convertScalar(field.type, v, path)
}

const INT32_RANGE: Record<string, readonly [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1]
}
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64'])

function convertScalar(type: string, v: unknown, path: string): unknown {
  const fail = (expected: string): never => {
    throw new ConversionError(`${path} must be ${expected} (${type}), got ${describe(v)}`)
  }
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : fail('a string')
    case 'bool':
      return typeof v === 'boolean' ? v : fail('true or false')
    case 'bytes':
      return typeof v === 'string' && BASE64.test(v) ? v.replace(/-/g, '+').replace(/_/g, '/') : fail('a base64 string')
    case 'double':
    case 'float': {
      if (typeof v === 'number') return v
      if (v === 'NaN') return NaN
      if (v === 'Infinity') return Infinity
      if (v === '-Infinity') return -Infinity
      if (typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return Number(v)
      return fail('a number')
    }
  }
  const range = INT32_RANGE[type]
  if (range !== undefined) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?\d+$/.test(v) ? Number(v) : NaN
    if (!Number.isInteger(n) || n < range[0] || n > range[1]) fail(`an integer from ${range[0]} to ${range[1]}`)
    return n
  }
  if (INT64.has(type)) {
    const unsigned = type === 'uint64' || type === 'fixed64'
    // protojson writes 64-bit integers as strings (JSON numbers lose precision beyond 2^53).
    if (typeof v === 'number' && Number.isSafeInteger(v) && (!unsigned || v >= 0)) return v
    if (typeof v === 'string' && (unsigned ? /^\+?\d{1,20}$/ : /^[+-]?\d{1,19}$/).test(v)) {
      const big = BigInt(v)
      const [lo, hi] = unsigned ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n]
      if (big >= lo && big <= hi) return v
    }
    return fail(`an integer${unsigned ? ' ≥ 0' : ''} (a JSON number up to 2^53, or a decimal string)`)
  }
  throw new ConversionError(`${path} has type '${type}', which this converter does not know`)
}

/** protojson's special forms of well-known types, or null when `type` is not one of them. */
function wellKnown(type: protobuf.Type, v: unknown, where: string): Record<string, unknown> | null {
  const name = type.fullName
  if (WRAPPERS.has(name)) {
    const field = type.fields['value'] as protobuf.Field
    return { value: convertScalar(field.type, v, where) }
  }
  if (name === '.google.protobuf.Timestamp') {
    if (typeof v !== 'string')
      throw new ConversionError(
        `${where} must be an RFC 3339 timestamp string such as "2024-01-02T03:04:05.5Z", got ${describe(v)}`
      )
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(v)
    const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN
    if (!m || Number.isNaN(ms))
      throw new ConversionError(
        `${where} must be an RFC 3339 timestamp string such as "2024-01-02T03:04:05.5Z", got ${describe(v)}`
      )
    return { seconds: String(Math.floor(ms / 1000)), nanos: Number((m[2] ?? '').padEnd(9, '0')) }
  }
  if (name === '.google.protobuf.Duration') {
    const m = typeof v === 'string' ? /^([+-]?)(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null
    if (!m) throw new ConversionError(`${where} must be a duration string such as "1.5s", got ${describe(v)}`)
    const sign = m[1] === '-' ? -1 : 1
    const nanos = Number((m[3] ?? '').padEnd(9, '0'))
    return { seconds: `${m[1] === '-' ? '-' : ''}${m[2]}`, nanos: sign * nanos }
  }
  if (
    [
      '.google.protobuf.Struct',
      '.google.protobuf.Value',
      '.google.protobuf.ListValue',
      '.google.protobuf.Any',
      '.google.protobuf.FieldMask'
    ].includes(name)
  ) {
    throw new ConversionError(`${where} has type ${name.slice(1)}, whose JSON form is not supported in the request`)
  }
  return null
}
