import type { ResourceUsage, RoundResult } from '../../src/types.js'

/** A plausible measured round for pure tests: only what a test names differs from the defaults. */
export function makeRound(o: {
  block: number
  armId: string
  qps: number
  p99Us?: number
  durationSec?: number
  order?: number
  resources?: ResourceUsage
}): RoundResult {
  const durationSec = o.durationSec ?? 5
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
      responses: ok,
      ok,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
      qps: o.qps,
      errorRate: 0,
      latency: { count: ok, meanUs: 1000, p50Us: 900, p90Us: 1500, p95Us: 1800, p99Us, p999Us: p99Us * 1.5, maxUs: p99Us * 2 }
    },
    warmup: { ok: 100, durationSec: 1 },
    otlp: { spans: 0, requests: 0, bytes: 0, rejected: 0 },
    ...(o.resources ? { resources: o.resources } : {})
  }
}
