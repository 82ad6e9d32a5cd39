/**
 * The embedded OTLP/HTTP receiver: a node:http server on loopback that accepts trace exports
 * (protobuf and JSON, gzip or not), counts spans, root spans, requests and wire bytes, keeps every
 * span's start time for window queries (src/otlp/window.ts), measures its own decoding CPU, and
 * answers as the OTLP/HTTP spec says so that the service's SDK sees a healthy collector. Protobuf is
 * walked on the wire (src/otlp/walk.ts), never decoded into an object per span.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SpanBatch } from './batch.js'
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

/** Reads the whole body, failing fast once it exceeds `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLargeError(`Content-Length ${declared} exceeds ${limit} bytes`))
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > limit) {
        done = true
        reject(new BodyTooLargeError(`body exceeds ${limit} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!done) {
        done = true
        resolve(Buffer.concat(chunks, size))
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

function send(res: ServerResponse, status: number, contentType: string, body: Uint8Array | string, extra: Record<string, string> = {}): void {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': String(payload.byteLength), ...extra })
  res.end(payload)
}

function contentTypeOf(format: OtlpFormat): string {
  return format === 'json' ? 'application/json' : 'application/x-protobuf'
}

/** What the request handler shares across requests. */
interface HandlerContext {
  tally: SpanTally
  batch: SpanBatch
  log: (m: string) => void
  maxBodyBytes: number
  depth: 'full' | 'count'
}

/** The request's path and format, or null once it was answered (unknown path, not POST, unsupported Content-Type). */
function route(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext): { path: string; isTraces: boolean; format: OtlpFormat } | null {
  const path = (req.url ?? '/').split('?')[0]!
  const isTraces = path === TRACES_PATH
  if (!isTraces && !OTHER_SIGNAL_PATHS.has(path)) {
    send(res, 404, 'text/plain', `not found: ${path} (this OTLP receiver serves POST ${TRACES_PATH})\n`)
    return null
  }
  if (req.method !== 'POST') {
    send(res, 405, 'text/plain', `method ${req.method ?? '?'} not allowed on ${path}; use POST\n`, { Allow: 'POST' })
    return null
  }
  const format = formatFromContentType(req.headers['content-type'])
  if (format === null) {
    // Drain the body so the keep-alive connection stays usable.
    req.resume()
    // A traces request in the wrong format is a misconfigured exporter: count it so the gate sees it.
    if (isTraces) ctx.tally.rejected()
    const message = `unsupported Content-Type '${req.headers['content-type'] ?? ''}' on ${path} (expected application/x-protobuf or application/json)`
    ctx.log(`OTLP receiver: 415 ${message}`)
    send(res, 415, 'application/json', encodeRpcStatus('json', RPC_INVALID_ARGUMENT, message))
    return null
  }
  return { path, isTraces, format }
}

/** The whole body, or null once a too large one was answered with 413. */
async function bodyOr413(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext, r: { path: string; isTraces: boolean; format: OtlpFormat }): Promise<Buffer | null> {
  try {
    return await readBody(req, ctx.maxBodyBytes)
  } catch (e) {
    if (!(e instanceof BodyTooLargeError)) throw e
    if (r.isTraces) ctx.tally.rejected()
    ctx.log(`OTLP receiver: 413 on ${r.path}: ${e.message}`)
    // The rest of the body is not read: close the connection (once the answer is out) rather than drain it.
    res.once('finish', () => req.socket.destroy())
    send(res, 413, contentTypeOf(r.format), encodeRpcStatus(r.format, RPC_INVALID_ARGUMENT, e.message), { Connection: 'close' })
    return null
  }
}

/** Count one trace export and answer it: 200, or the decoder's status for a malformed export. */
function countTraces(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext, format: OtlpFormat, body: Buffer): void {
  // Synchronous from here to the tally: the CPU difference is this export's decoding and counting.
  const cpuStart = ctx.tally.cpuMark()
  try {
    const summary = countTraceExport(
      body,
      { contentType: req.headers['content-type'], contentEncoding: req.headers['content-encoding'], maxBytes: ctx.maxBodyBytes, depth: ctx.depth },
      ctx.batch
    )
    ctx.tally.accepted(summary, body.length, ctx.batch)
    ctx.tally.addCpuSince(cpuStart)
    send(res, 200, contentTypeOf(format), format === 'json' ? '{}' : EMPTY_TRACE_RESPONSE)
  } catch (e) {
    if (!(e instanceof OtlpDecodeError)) throw e
    ctx.tally.addCpuSince(cpuStart)
    ctx.tally.rejected()
    ctx.log(`OTLP receiver: ${e.status} rejected a ${body.length}-byte ${format} export: ${e.message}`)
    send(res, e.status, contentTypeOf(format), encodeRpcStatus(format, RPC_INVALID_ARGUMENT, e.message))
  }
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: HandlerContext): Promise<void> {
  const r = route(req, res, ctx)
  if (r === null) return
  const body = await bodyOr413(req, res, ctx, r)
  if (body === null) return
  if (r.isTraces) countTraces(req, res, ctx, r.format, body)
  // Metrics/logs: acknowledged with the empty response of the same format, never decoded or counted.
  else send(res, 200, contentTypeOf(r.format), r.format === 'json' ? '{}' : new Uint8Array(0))
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
  const ctx: HandlerContext = { tally, batch: new SpanBatch(), log, maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES, depth: opts.validateSpans === true ? 'full' : 'count' }

  const server = createServer((req, res) => {
    handleRequest(req, res, ctx).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e)
      log(`OTLP receiver: 500 on ${req.method ?? '?'} ${req.url ?? '?'}: ${message}`)
      if (!res.headersSent) send(res, 500, 'text/plain', `internal error: ${message}\n`)
      else res.destroy()
    })
  })
  await listen(server, opts.port ?? 0, host)
  server.on('error', (e) => log(`OTLP receiver: server error: ${e.message}`))

  return tallyReceiver(tally, host, (server.address() as AddressInfo).port, () =>
    new Promise<void>((resolve, reject) => {
      server.close((e) => (e ? reject(e) : resolve()))
      // The SDK's exporter keeps its connection alive; without this close() would wait for it to time out.
      server.closeAllConnections()
    })
  )
}
