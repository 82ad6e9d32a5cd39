/**
 * Load scenarios beyond the single closed-loop level: extra connection levels, the open-loop phase's
 * rate and connection cap, and the spike profile's stages. Pure except runSpike, which only calls the
 * functions it is given.
 */
import type { LoadResult, SpikeResult, SpikeStageResult } from '../types.js'

/** Phase id of the open-loop (constant-rate) phase of a round. */
export const OPEN_PHASE_ID = 'open'

/** `auto` offers this fraction of the off arm's closed-loop QPS: busy, but below saturation. */
export const OPEN_LOOP_AUTO_FRACTION = 0.6

/** Spike stages per ramp: 0 → N in this many steps, then N → 0 in as many. */
export const SPIKE_STEPS = 5

/** `spike: N` without seconds: the whole ramp up and down (the seed's 180 s shortened for CI). */
export const SPIKE_DEFAULT_SEC = 30

/** Latency assumed for the open loop's connection cap when nothing was calibrated. */
const DEFAULT_EXPECTED_LATENCY_US = 10_000

/** Upper bound of the open loop's connection cap (unless the closed-loop level itself is higher). */
const MAX_OPEN_CONNECTIONS = 2000

/** Phase id of an extra closed-loop level: `c=200`. */
export function closedPhaseId(connections: number): string {
  return `c=${connections}`
}

/** The `auto` open-loop rate: 60% of the off arm's closed-loop QPS, whole requests/s, at least 1. */
export function autoOpenLoopRate(offQps: number): number {
  if (!Number.isFinite(offQps) || offQps <= 0)
    throw new Error(`the calibration round's QPS must be a positive number, got ${String(offQps)}`)
  return Math.max(1, Math.round(offQps * OPEN_LOOP_AUTO_FRACTION))
}

/**
 * The most connections the open loop may open: enough that `rate` stays reachable when requests take
 * twice the expected latency (Little's law: in flight = rate × latency), never fewer than the
 * closed-loop level. It is a cap: connections are opened only while every open one is busy.
 */
export function openLoopConnections(
  rate: number,
  connections: number,
  expectedLatencyUs: number = DEFAULT_EXPECTED_LATENCY_US
): number {
  if (!(rate > 0) || !Number.isInteger(connections) || connections < 1) {
    throw new Error(
      `open loop needs a positive rate and connections, got rate ${String(rate)}, connections ${String(connections)}`
    )
  }
  const latencySec =
    Number.isFinite(expectedLatencyUs) && expectedLatencyUs > 0
      ? expectedLatencyUs / 1e6
      : DEFAULT_EXPECTED_LATENCY_US / 1e6
  const needed = Math.ceil(2 * rate * latencySec)
  return Math.max(connections, Math.min(needed, MAX_OPEN_CONNECTIONS))
}

/** What `spike` asks for: ramp 0 → `peak` connections → 0 over `durationSec`. */
export interface SpikeSpec {
  peak: number
  durationSec: number
}

/** One planned stage of a spike. */
export interface SpikeStagePlan {
  connections: number
  durationSec: number
}

/**
 * The spike's stages: `steps` stages up (peak·1/steps … peak) then `steps` down (peak … peak·1/steps),
 * each durationSec / (2·steps) long, so the peak is held for two stages. Connections are rounded
 * and at least 1 (a stage at 0 connections would measure nothing).
 */
export function spikeStages(spec: SpikeSpec, steps: number = SPIKE_STEPS): SpikeStagePlan[] {
  if (!Number.isInteger(spec.peak) || spec.peak < 1)
    throw new Error(`spike peak must be a positive integer, got ${String(spec.peak)}`)
  if (!(spec.durationSec > 0)) throw new Error(`spike duration must be > 0 seconds, got ${String(spec.durationSec)}`)
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`spike steps must be a positive integer, got ${String(steps)}`)
  const stageSec = spec.durationSec / (2 * steps)
  const level = (k: number): number => Math.max(1, Math.round((spec.peak * k) / steps))
  const up = Array.from({ length: steps }, (_, i) => level(i + 1))
  return [...up, ...[...up].reverse()].map((connections) => ({ connections, durationSec: stageSec }))
}

/** A stage's row from its load result. */
export function spikeStageResult(stage: SpikeStagePlan, load: LoadResult): SpikeStageResult {
  return {
    connections: stage.connections,
    durationSec: load.durationSec,
    qps: load.qps,
    p99Us: load.latency.p99Us,
    errors: load.non2xx + load.errors + load.timeouts,
    errorRate: load.errorRate
  }
}

/**
 * Run the stages back to back on one booted service. Errors of the load are data here (a spike is
 * expected to overload), but a service that died ends the spike: `alive()` returns why, or null.
 * A failing load generator with the service still alive is rethrown.
 */
export async function runSpike(
  armId: string,
  stages: readonly SpikeStagePlan[],
  runStage: (stage: SpikeStagePlan, index: number) => Promise<LoadResult>,
  alive: () => string | null
): Promise<SpikeResult> {
  const out: SpikeResult = { armId, stages: [] }
  for (const [i, stage] of stages.entries()) {
    let load: LoadResult
    try {
      load = await runStage(stage, i)
    } catch (e) {
      const dead = alive()
      // The load generator failing while the service lives is a fault of the gate, not of the service.
      if (dead === null) throw e
      out.died = `during stage ${i + 1}/${stages.length} (${stage.connections} connections): ${dead}`
      return out
    }
    const dead = alive()
    if (dead !== null) {
      out.died = `during stage ${i + 1}/${stages.length} (${stage.connections} connections): ${dead}`
      return out
    }
    out.stages.push(spikeStageResult(stage, load))
  }
  return out
}

/** Seconds of schedule the open-loop phase runs before its measured window (warms the generator, opens connections). */
export const OPEN_LOOP_WARMUP_SEC = 0.5

/** Ids of the extra phases every round has, in the order they run: extra closed-loop levels, then `open`. */
export function phaseIds(c: { connectionLevels: readonly number[]; openLoopRate: number | 'auto' | null }): string[] {
  return [...c.connectionLevels.slice(1).map(closedPhaseId), ...(c.openLoopRate !== null ? [OPEN_PHASE_ID] : [])]
}

/** Just the LoadResult fields of a richer load run (the results JSON keeps one shape per phase). */
export function pickLoad(l: LoadResult): LoadResult {
  return {
    durationSec: l.durationSec,
    responses: l.responses,
    ok: l.ok,
    non2xx: l.non2xx,
    errors: l.errors,
    timeouts: l.timeouts,
    qps: l.qps,
    errorRate: l.errorRate,
    latency: l.latency
  }
}
