/** Load generation: autocannon adapter (HTTP) and a node:http2 gRPC loop, with a µs latency histogram. */
export { runLoad } from './load.js'
export type { LoadOptions, LoadRun } from './load.js'
export { createLatencyHistogram, summarizeLatency, msToUs } from './histogram.js'
export { runGrpcLoad, probeGrpc, waitGrpcReady, grpcReadyCheck, loadGrpcTarget, GrpcTargetError } from './grpc.js'
export type {
  GrpcLoadOptions,
  GrpcLoadRun,
  GrpcProbeResult,
  GrpcTarget,
  GrpcTargetSpec,
  GrpcTargetField
} from './grpc.js'
export { runOpenLoop } from './open-loop.js'
export type { OpenLoopOptions, OpenLoopRun } from './open-loop.js'
export {
  autoOpenLoopRate,
  closedPhaseId,
  openLoopConnections,
  phaseIds,
  runSpike,
  spikeStages,
  OPEN_PHASE_ID
} from './scenarios.js'
export type { SpikeSpec, SpikeStagePlan } from './scenarios.js'
