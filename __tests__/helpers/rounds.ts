import type { PhaseResult, ResourceUsage, RoundResult } from '../../src/types.js'

/** A plausible measured round for pure tests: only what a test names differs from the defaults. */
export function makeRound(o: {
  block: number
  armId: string
  qps: number
  p99Us?: number
  durationSec?: number
  order?: number
  resources?: ResourceUsage
  /** Spans the receiver counted (default 0). */
  spans?: number
  /** Responses with a non-2xx status (default 0). */
  non2xx?: number
  phases?: PhaseResult[]
}): RoundResult {
  const durationSec = o.durationSec ?? 5
  const non2xx = o.non2xx ?? 0
  const ok = o.qps * durationSec
  const p99Us = o.p99Us ?? 10_000
  return {
    block: o.block,
    order: o.order ?? 0,
    armId: o.armId,
    startedAt: '2026-11-25T00:00:00Z',
    port: 1,
    load: {
      durationSec,
      responses: ok + non2xx,
      ok,
      non2xx,
      errors: 0,
      timeouts: 0,
      qps: o.qps,
      errorRate: non2xx / (ok + non2xx || 1),
      latency: {
        count: ok,
        meanUs: 1000,
        p50Us: 900,
        p90Us: 1500,
        p95Us: 1800,
        p99Us,
        p999Us: p99Us * 1.5,
        maxUs: p99Us * 2
      }
    },
    warmup: { ok: 100, durationSec: 1 },
    otlp: { spans: o.spans ?? 0, requests: o.spans ? 1 : 0, bytes: (o.spans ?? 0) * 100, rejected: 0 },
    ...(o.resources ? { resources: o.resources } : {}),
    ...(o.phases ? { phases: o.phases } : {})
  }
}
