/**
 * The embedded OTLP/HTTP receiver: a node:http server on loopback that accepts trace exports
 * (protobuf and JSON, gzip or not), counts spans, root spans, requests and wire bytes, keeps every
 * span's start time for window queries (src/otlp/window.ts), measures its own decoding CPU, and
 * answers as the OTLP/HTTP spec says so that the service's SDK sees a healthy collector. Protobuf is
 * walked on the wire (src/otlp/walk.ts), never decoded into an object per span.
 *
 * node:http carries it: a leaner transport on node:net + Node's llhttp binding was measured and not
 * kept (docs/bench-notes.md, "The OTLP receiver's own CPU": less CPU on the receiver's thread, more in
 * the process). Each request is routed, read and answered as a Reply, the one place that decides.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SpanBatch } from './batch.js'
import { BodyBuffer, appendChunk } from './body.js'
import { SpanTally } from './tally.js'
import { countTraceExport } from './walk.js'
import {
  MAX_BODY_BYTES,
  OtlpDecodeError,
  RPC_INVALID_ARGUMENT,
  encodeExportTraceServiceResponse,
  encodeRpcStatus,
  formatFromContentType,
  type OtlpFormat
} from './decode.js'
import { startOtlpGrpcReceiver } from './grpc-receiver.js'
import { tallyReceiver } from './handle.js'
import type { OtlpReceiver, OtlpReceiverOptions } from './types.js'

export type { OtlpReceiver, OtlpReceiverOptions } from './types.js'

const TRACES_PATH = '/v1/traces'
// Other signals are acknowledged so a service exporting them sees no errors, but not counted.
const OTHER_SIGNAL_PATHS = new Set(['/v1/metrics', '/v1/logs'])

const EMPTY_TRACE_RESPONSE = encodeExportTraceServiceResponse()

class BodyTooLargeError extends Error {}

/** A request body: `body` is the bytes, a view into `buffer`, which goes back to the pool after use. */
interface Body {
  body: Buffer
  buffer: Buffer
}

/** Reads the whole body into a buffer of `pool`, failing fast once it exceeds `limit` bytes. */
function readBody(req: IncomingMessage, limit: number, pool: BodyBuffer): Promise<Body> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLargeError(`Content-Length ${declared} exceeds ${limit} bytes`))
      return
    }
    let buffer = pool.take(Number.isFinite(declared) ? declared : 0)
    let size = 0
    let done = false
    req.on('data', (chunk: Buffer) => {
      if (done) return
      if (size + chunk.length > limit) {
        done = true
        reject(new BodyTooLargeError(`body exceeds ${limit} bytes`))
        return
      }
      buffer = appendChunk(pool, buffer, size, chunk)
      size += chunk.length
    })
    req.on('end', () => {
      if (!done) {
        done = true
        resolve({ body: buffer.subarray(0, size), buffer })
      }
    })
    req.on('error', (e) => {
      if (!done) {
        done = true
        reject(e)
      }
    })
  })
}

/** An answer of the receiver: status, Content-Type and body; `close` ends the connection after it. */
interface Reply {
  status: number
  contentType: string
  body: Uint8Array
  extra?: Record<string, string>
  close?: boolean
}

function reply(status: number, contentType: string, body: Uint8Array | string, extra?: Record<string, string>): Reply {
  return {
    status,
    contentType,
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    ...(extra !== undefined ? { extra } : {})
  }
}

function send(res: ServerResponse, r: Reply): void {
  res.writeHead(r.status, {
    'Content-Type': r.contentType,
    'Content-Length': String(r.body.byteLength),
    ...r.extra,
    ...(r.close === true ? { Connection: 'close' } : {})
  })
  res.end(r.body)
}

function contentTypeOf(format: OtlpFormat): string {
  return format === 'json' ? 'application/json' : 'application/x-protobuf'
}

/** What the request handler shares across requests. */
interface HandlerContext {
  tally: SpanTally
  batch: SpanBatch
  bodies: BodyBuffer
  log: (m: string) => void
  maxBodyBytes: number
  depth: 'full' | 'count'
}

/** Request headers by lower-case name (node:http joins the repeated ones this receiver reads into one string). */
type HeaderMap = Record<string, string | undefined>

/** Where a request goes once its body is read. */
interface Route {
  path: string
  isTraces: boolean
  format: OtlpFormat
}

/**
 * The request's route, or the answer to give at once (unknown path 404, not POST 405, unsupported Content-Type 415).
 */
function route(
  method: string | undefined,
  url: string | undefined,
  headers: HeaderMap,
  ctx: HandlerContext
): Route | Reply {
  const path = (url ?? '/').split('?')[0]!
  const isTraces = path === TRACES_PATH
  if (!isTraces && !OTHER_SIGNAL_PATHS.has(path))
    return reply(404, 'text/plain', `not found: ${path} (this OTLP receiver serves POST ${TRACES_PATH})\n`)
  if (method !== 'POST')
    return reply(405, 'text/plain', `method ${method ?? '?'} not allowed on ${path}; use POST\n`, { Allow: 'POST' })
  const contentType = headers['content-type']
  const format = formatFromContentType(contentType)
  if (format === null) {
    // A traces request in the wrong format is a misconfigured exporter: count it so the gate sees it.
    if (isTraces) ctx.tally.rejected()
    const message =
      `unsupported Content-Type '${contentType ?? ''}' on ${path} (expected application/x-protobuf or ` +
      `application/json)`
    ctx.log(`OTLP receiver: 415 ${message}`)
    return reply(415, 'application/json', encodeRpcStatus('json', RPC_INVALID_ARGUMENT, message))
  }
  return { path, isTraces, format }
}

/** The 413 answer for a body over the limit (the connection is closed after it). */
function tooLarge(r: Route, message: string, ctx: HandlerContext): Reply {
  if (r.isTraces) ctx.tally.rejected()
  ctx.log(`OTLP receiver: 413 on ${r.path}: ${message}`)
  return {
    ...reply(413, contentTypeOf(r.format), encodeRpcStatus(r.format, RPC_INVALID_ARGUMENT, message)),
    close: true
  }
}

/** Count one trace export: 200, or the decoder's status for a malformed export. */
function countTraces(headers: HeaderMap, ctx: HandlerContext, format: OtlpFormat, body: Buffer): Reply {
  // Synchronous from here to the tally: the CPU difference is this export's decoding and counting.
  const cpuStart = ctx.tally.cpuMark()
  try {
    const summary = countTraceExport(
      body,
      {
        contentType: headers['content-type'],
        contentEncoding: headers['content-encoding'],
        maxBytes: ctx.maxBodyBytes,
        depth: ctx.depth
      },
      ctx.batch
    )
    ctx.tally.accepted(summary, body.length, ctx.batch)
    ctx.tally.addCpuSince(cpuStart)
    return reply(200, contentTypeOf(format), format === 'json' ? '{}' : EMPTY_TRACE_RESPONSE)
  } catch (e) {
    if (!(e instanceof OtlpDecodeError)) throw e
    ctx.tally.addCpuSince(cpuStart)
    ctx.tally.rejected()
    ctx.log(`OTLP receiver: ${e.status} rejected a ${body.length}-byte ${format} export: ${e.message}`)
    return reply(e.status, contentTypeOf(format), encodeRpcStatus(format, RPC_INVALID_ARGUMENT, e.message))
  }
}

/** The answer to a whole request body (read synchronously: `body` may be a reused buffer). */
function answerBody(r: Route, headers: HeaderMap, body: Buffer, ctx: HandlerContext): Reply {
  if (r.isTraces) return countTraces(headers, ctx, r.format, body)
  // Metrics/logs: acknowledged with the empty response of the same format, never decoded or counted.
  return reply(200, contentTypeOf(r.format), r.format === 'json' ? '{}' : new Uint8Array(0))
}

/** node:http's request handler: route, read the body into the receiver's reused buffer, answer. */
async function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext): Promise<void> {
  const headers = req.headers as HeaderMap
  const r = route(req.method, req.url, headers, ctx)
  if (!('isTraces' in r)) {
    // Drain the body so the keep-alive connection stays usable.
    req.resume()
    send(res, r)
    return
  }
  let read: Body
  try {
    read = await readBody(req, ctx.maxBodyBytes, ctx.bodies)
  } catch (e) {
    if (!(e instanceof BodyTooLargeError)) throw e
    // The rest of the body is not read: close the connection (once the answer is out) rather than drain it.
    res.once('finish', () => req.socket.destroy())
    send(res, tooLarge(r, e.message, ctx))
    return
  }
  try {
    send(res, answerBody(r, headers, read.body, ctx))
  } finally {
    // Counting is synchronous: nothing reads the body after this.
    ctx.bodies.give(read.buffer)
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/** Starts the receiver (OTLP/HTTP, or OTLP/gRPC with `protocol: 'grpc'`) on loopback; resolves once it listens. */
export async function startOtlpReceiver(opts: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  if (opts.protocol === 'grpc') return startOtlpGrpcReceiver(opts)
  const host = opts.host ?? '127.0.0.1'
  const log = opts.log ?? (() => {})
  const tally = new SpanTally(opts.timeDecode !== false)
  const ctx: HandlerContext = {
    tally,
    batch: new SpanBatch(),
    bodies: new BodyBuffer(),
    log,
    maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES,
    depth: opts.validateSpans === true ? 'full' : 'count'
  }

  const server = createServer((req, res) => {
    handleRequest(req, res, ctx).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e)
      log(`OTLP receiver: 500 on ${req.method ?? '?'} ${req.url ?? '?'}: ${message}`)
      if (!res.headersSent) send(res, reply(500, 'text/plain', `internal error: ${message}\n`))
      else res.destroy()
    })
  })
  await listen(server, opts.port ?? 0, host)
  server.on('error', (e) => log(`OTLP receiver: server error: ${e.message}`))

  return tallyReceiver(
    tally,
    host,
    (server.address() as AddressInfo).port,
    () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()))
        // The SDK's exporter keeps its connection alive; without this close() would wait for it to time out.
        server.closeAllConnections()
      })
  )
}
