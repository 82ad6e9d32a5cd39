import type { ArmSpec, Plan, PlanStep } from '../types.js'
import { mulberry32, shuffled } from './random.js'

/** Fewest blocks for any decision: with n = 2 a zero spread is luck, not evidence. */
export const MIN_BLOCKS = 3

export const OFF_ARM_ID = 'off'
/** The arm started with `uninstrumented-command`: no agent, no SDK. */
export const NONE_ARM_ID = 'none'
export const BASE_PREFIX = 'base/'

/** Id of the base build's twin of a head arm: `base/off`, `base/on@0.01`. */
export function baseArmId(headArmId: string): string {
  return `${BASE_PREFIX}${headArmId}`
}

/** Arm id of the traced arm at sampling ratio `rate`: `on@0.01`, `on@1`. */
export function tracedArmId(rate: number): string {
  return `on@${rate}`
}

/** Format a ratio as a percentage label without float noise: 0.001 → "0.1%", 1 → "100%". */
export function ratePercent(rate: number): string {
  return `${Number((rate * 100).toPrecision(6))}%`
}

/**
 * Environment of each arm, through the OTel spec's variables only, so any SDK (Node, Go, Java,
 * Python, .NET) is driven the same way. Metrics and logs exporters are switched off in every arm so
 * the comparison isolates tracing.
 */
export function buildArms(
  samplingRates: readonly number[],
  base: { tracing: boolean } | null = null,
  extraArms: readonly { name: string; env: Readonly<Record<string, string>> }[] = [],
  uninstrumented = false,
  exportStep = false
): ArmSpec[] {
  const sampled = headArms(samplingRates)
  const recording = exportStep ? sampled.filter((a) => a.tracing).map(recordingArm) : []
  const head = [...sampled, ...recording, ...extraArms.map(customArm), ...(uninstrumented ? [noneArm()] : [])]
  if (base === null) return head
  const twins = head
    .filter((a) => a.kind === 'off' || (base.tracing && a.kind === 'sampled'))
    .map((a) => ({ ...a, id: baseArmId(a.id), label: `base: ${a.label}`, build: 'base' as const }))
  return [...head.map((a) => ({ ...a, label: `head: ${a.label}` })), ...twins]
}

/** The arms a config runs: head arms, extra arms, the uninstrumented arm, and the base build's twins. */
export function armsOf(c: {
  samplingRates: readonly number[]
  base: { tracing: boolean } | null
  extraArms: readonly { name: string; env: Readonly<Record<string, string>> }[]
  uninstrumentedCommand: string | null
  exportStep?: boolean
}): ArmSpec[] {
  return buildArms(c.samplingRates, c.base, c.extraArms, c.uninstrumentedCommand !== null, c.exportStep ?? false)
}

/** Id of the twin of traced arm `on@r` that records spans but exports none: `on@r/no-export`. */
export function recordingArmId(tracedId: string): string {
  return `${tracedId}/no-export`
}

/**
 * A user-defined traced arm (e.g. a service's own adaptive sampler switch): tracing on with the
 * spec's defaults (parent-based always-on), then the user's variables on top.
 */
function customArm(extra: { name: string; env: Readonly<Record<string, string>> }): ArmSpec {
  const env: Record<string, string> = {
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_SDK_DISABLED: 'false',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    ...extra.env
  }
  const sampler = env.OTEL_TRACES_SAMPLER
  const exportsSpans =
    env.OTEL_SDK_DISABLED !== 'true' &&
    env.OTEL_TRACES_EXPORTER !== 'none' &&
    !/always_off$/.test(sampler) &&
    env.OTEL_TRACES_SAMPLER_ARG !== '0'
  return {
    id: extra.name,
    build: 'head',
    label: `${extra.name} (${
      Object.entries(extra.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'tracing on'
    })`,
    tracing: exportsSpans,
    kind: 'custom',
    samplingRate: null,
    env
  }
}

/**
 * The uninstrumented service (`uninstrumented-command`): no agent or SDK at all, so off → none is the
 * cost of instrumentation that is loaded but switched off. It gets the off arm's variables too, so a
 * service that does read them still exports nothing.
 */
function noneArm(): ArmSpec {
  return {
    id: NONE_ARM_ID,
    build: 'head',
    kind: 'none',
    label: 'uninstrumented',
    tracing: false,
    samplingRate: null,
    env: {
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_SDK_DISABLED: 'true',
      OTEL_TRACES_EXPORTER: 'none'
    }
  }
}

/**
 * The twin of a traced arm that samples and records spans like it but exports none
 * (`OTEL_TRACES_EXPORTER=none`): off → it is the cost of sampling and recording, it → the traced arm
 * the cost of exporting. Only SDKs that keep the provider with exporter `none` separate the two.
 */
function recordingArm(traced: ArmSpec): ArmSpec {
  return {
    ...traced,
    id: recordingArmId(traced.id),
    kind: 'recording',
    label: `${traced.label}, not exported`,
    tracing: false,
    env: { ...traced.env, OTEL_TRACES_EXPORTER: 'none' }
  }
}

function headArms(samplingRates: readonly number[]): ArmSpec[] {
  const common = { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' }
  const arms: ArmSpec[] = [
    {
      id: OFF_ARM_ID,
      build: 'head',
      kind: 'off',
      label: 'tracing off',
      tracing: false,
      samplingRate: null,
      // OTEL_JAVAAGENT_ENABLED: the Java agent's own switch (with only OTEL_SDK_DISABLED it still
      // instruments every class); the other SDKs ignore it.
      env: { ...common, OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'none', OTEL_JAVAAGENT_ENABLED: 'false' }
    }
  ]
  for (const rate of samplingRates) {
    arms.push({
      id: tracedArmId(rate),
      build: 'head',
      kind: 'sampled',
      label: `tracing on, ${ratePercent(rate)} sampled`,
      // A 0% arm pays for instrumentation but must export nothing: it is not expected to deliver spans.
      tracing: rate > 0,
      samplingRate: rate,
      env: {
        ...common,
        OTEL_SDK_DISABLED: 'false',
        OTEL_TRACES_EXPORTER: 'otlp',
        ...(rate === 1
          ? { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }
          : { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(rate) })
      }
    })
  }
  return arms
}

/**
 * RMIT plan (Abedi & Brecht 2017): `blocks` blocks, each running every arm once in a fresh random
 * order drawn from the seeded PRNG. Never all rounds of one arm back to back: drifts of the machine
 * would then masquerade as differences between arms.
 */
export function makePlan(arms: readonly ArmSpec[], blocks: number, seed: number): Plan {
  if (arms.length < 2) throw new Error(`a plan needs at least 2 arms, got ${arms.length}`)
  if (!Number.isInteger(blocks) || blocks < 1) throw new Error(`blocks must be a positive integer, got ${blocks}`)
  const rand = mulberry32(seed)
  const steps: PlanStep[] = []
  for (let block = 0; block < blocks; block++) {
    shuffled(
      arms.map((a) => a.id),
      rand
    ).forEach((armId, order) => steps.push({ block, order, armId }))
  }
  return { seed, blocks, arms: [...arms], referenceArmId: arms[0].id, steps }
}
