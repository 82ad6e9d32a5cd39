/**
 * The embedded OTLP/gRPC receiver: an @grpc/grpc-js server on loopback implementing
 * `opentelemetry.proto.collector.trace.v1.TraceService/Export` (the protocol the Go and Java SDKs
 * default to), counting spans, requests and bytes exactly like the OTLP/HTTP receiver.
 *
 * The service is registered with identity (raw-bytes) serializers: each request arrives as the
 * protobuf message bytes and is counted by the same wire walker as OTLP/HTTP (src/otlp/walk.ts) into
 * the same SpanTally (totals, start-time windows, handler CPU), and the byte count is the message size. grpc-js itself
 * undoes gRPC message compression
 * (`grpc-encoding: gzip`), so for a compressing exporter `bytes` counts the inflated message, whereas
 * the HTTP receiver counts the gzip body as sent; the SDKs do not compress by default.
 */
import * as grpc from '@grpc/grpc-js'
import { SpanBatch } from './batch.js'
import { SpanTally } from './tally.js'
import { MAX_BODY_BYTES, OtlpDecodeError, encodeExportTraceServiceResponse } from './decode.js'
import { countRawTraces } from './walk.js'
import { tallyReceiver } from './handle.js'
import type { OtlpReceiver, OtlpReceiverOptions } from './types.js'

/** gRPC method path of trace exports. */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export'
// Other signals are acknowledged so a service exporting them sees no errors, but not counted.
const OTHER_EXPORT_PATHS = {
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export'
} as const

const EMPTY_TRACE_RESPONSE = Buffer.from(encodeExportTraceServiceResponse())
// An empty Export*ServiceResponse encodes to zero bytes whatever the signal.
const EMPTY_RESPONSE = Buffer.alloc(0)

const identity = (b: Buffer): Buffer => b

/** A unary method that hands the handler the raw message bytes. */
function rawUnary(path: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity
  }
}

/** Grace for in-flight calls on close before the server drops its connections. */
const CLOSE_GRACE_MS = 1000

/**
 * Starts an OTLP/gRPC receiver on loopback (plaintext); resolves once it listens. `endpoint` is
 * `http://host:port`, the form OTEL_EXPORTER_OTLP_ENDPOINT takes for gRPC (http = no TLS).
 */
export async function startOtlpGrpcReceiver(opts: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const host = opts.host ?? '127.0.0.1'
  const log = opts.log ?? (() => {})
  const maxBodyBytes = opts.maxBodyBytes ?? MAX_BODY_BYTES
  const validateSpans = opts.validateSpans === true

  const tally = new SpanTally(opts.timeDecode !== false)
  const batch = new SpanBatch()

  const exportTraces: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    const body = call.request
    // Synchronous from here to the tally: the CPU difference is this export's decoding and counting.
    const cpuStart = tally.cpuMark()
    try {
      const summary = countRawTraces(body, 'protobuf', validateSpans, batch)
      tally.accepted(summary, body.length, batch)
      tally.addCpuSince(cpuStart)
      callback(null, EMPTY_TRACE_RESPONSE)
    } catch (e) {
      tally.addCpuSince(cpuStart)
      const message = e instanceof Error ? e.message : String(e)
      if (e instanceof OtlpDecodeError) {
        tally.rejected()
        log(`OTLP/gRPC receiver: INVALID_ARGUMENT, rejected a ${body.length}-byte export: ${message}`)
        callback({ code: grpc.status.INVALID_ARGUMENT, details: message })
      } else {
        log(`OTLP/gRPC receiver: INTERNAL on a ${body.length}-byte export: ${message}`)
        callback({ code: grpc.status.INTERNAL, details: `internal error: ${message}` })
      }
    }
  }
  const acknowledge: grpc.handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback(null, EMPTY_RESPONSE)

  const server = new grpc.Server({
    // Larger messages get RESOURCE_EXHAUSTED from grpc-js before reaching the handler (the
    // equivalent of the HTTP receiver's 413); the exporter logs it, and the round's span count stays low.
    'grpc.max_receive_message_length': maxBodyBytes
  })
  server.addService({ Export: rawUnary(TRACE_EXPORT_PATH) }, { Export: exportTraces })
  for (const path of Object.values(OTHER_EXPORT_PATHS))
    server.addService({ Export: rawUnary(path) }, { Export: acknowledge })

  const urlHost = host.includes(':') ? `[${host}]` : host
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${urlHost}:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (err) reject(new Error(`OTLP/gRPC receiver: cannot listen on ${urlHost}:${opts.port ?? 0}: ${err.message}`))
      else resolve(bound)
    })
  })

  return tallyReceiver(
    tally,
    host,
    port,
    () =>
      new Promise<void>((resolve) => {
        // The SDK's exporter keeps its channel open; tryShutdown lets a last export finish, then force.
        const force = setTimeout(() => server.forceShutdown(), CLOSE_GRACE_MS)
        server.tryShutdown(() => {
          clearTimeout(force)
          resolve()
        })
      })
  )
}
