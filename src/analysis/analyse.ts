/**
 * The analysis of a run, pure: the comparison plan → one Comparison per planned entry → the gate's
 * decision. The engine calls it at every look; the report and the results file read what it returns.
 */
import type { Config } from '../config/config.js'
import { compare, compareLogRatios } from '../stats/compare.js'
import { compareUnpaired } from '../stats/unpaired.js'
import { pairedLogRatios } from '../stats/logRatios.js'
import { metricValue } from '../metrics.js'
import { decide } from '../gate/gate.js'
import { GateError } from '../errors.js'
import { OFF_ARM_ID, baseArmId } from '../plan/plan.js'
import { machineDifferences, settingsDifferences, type BaselineInfo } from '../baseline/compare.js'
import type { ResultsFile } from '../baseline/results.js'
import type { ArmSpec, Comparison, GateResult, MachineInfo, RoundResult } from '../types.js'
import { planComparisons, type PlannedComparison } from './comparisons.js'

/** A stored main baseline as the analysis sees it. */
export interface StoredInput {
  results: ResultsFile
  machine: MachineInfo
}

/** What the analysis returns. */
export interface Analysis {
  planned: PlannedComparison[]
  comparisons: Comparison[]
  gate: GateResult
  /** The stored baseline's status when one was given (usable or why not). */
  stored?: BaselineInfo
}

/** Whether every round carries /proc samples, so CPU per request pairs evenly. */
export function cpuMeasured(rounds: readonly RoundResult[]): boolean {
  return rounds.length > 0 && rounds.every((r) => r.resources !== undefined)
}

/** The stored baseline's status against this run: usable, or why not (other settings). */
export function storedStatus(config: Config, stored: StoredInput): BaselineInfo {
  const differences = machineDifferences(stored.results.machine, stored.machine)
  const info: BaselineInfo = {
    source: 'stored',
    status: 'ok',
    path: config.baselinePath ?? undefined,
    createdAt: stored.results.createdAt,
    sha: stored.results.git?.sha,
    ref: stored.results.git?.ref,
    machine: stored.results.machine,
    sameMachine: differences.length === 0,
    machineDifferences: differences,
    arms: stored.results.arms
  }
  const settings = settingsDifferences(config, stored.results.settings)
  if (settings.length > 0) return { ...info, status: 'unusable', message: `the stored baseline was measured with other settings (${settings.join('; ')})` }
  return info
}

/** The statistics of one planned comparison. */
function computeOne(config: Config, p: PlannedComparison, rounds: readonly RoundResult[], stored: StoredInput | undefined, info: BaselineInfo | undefined): Comparison {
  const opts = { confidence: config.confidence, budget: p.budget, kind: p.kind, ...(p.phase !== undefined ? { phase: p.phase } : {}) }
  if (p.source === 'paired') return compare(rounds, p.armId, p.referenceArmId, p.metric, opts)
  if (p.source === 'diff-in-diff') {
    const head = pairedLogRatios(rounds, p.armId, OFF_ARM_ID, p.metric)
    const base = pairedLogRatios(rounds, p.referenceArmId, baseArmId(OFF_ARM_ID), p.metric)
    if (head.length !== base.length) throw new Error(`blocks of ${p.armId} and ${p.referenceArmId} differ: ${head.length} vs ${base.length}`)
    return compareLogRatios(
      head.map((d, i) => d - base[i]),
      p.armId,
      p.referenceArmId,
      p.metric,
      opts
    )
  }
  const s = stored as StoredInput
  const mine = rounds.filter((r) => r.armId === p.armId).map((r) => Math.log(metricValue(r, p.metric)))
  const theirs = s.results.rounds.filter((r) => r.armId === OFF_ARM_ID).map((r) => Math.log(metricValue(r, p.metric)))
  const c = compareUnpaired(mine, theirs, p.armId, p.referenceArmId, p.metric, opts)
  const diffs = info?.machineDifferences ?? []
  if (diffs.length > 0) c.cannotFail = `baseline from another machine (${diffs.join(', ')})`
  return c
}

/**
 * Compare and decide: every comparison of the plan for these arms and rounds, then Holm and the
 * three-way decision over the gated ones. A stored baseline with other settings is reported, not compared.
 */
export function analyse(config: Config, arms: readonly ArmSpec[], rounds: readonly RoundResult[], stored?: StoredInput): Analysis {
  const info = stored === undefined ? undefined : storedStatus(config, stored)
  const cpu = cpuMeasured(rounds)
  // A gate that cannot measure must not pass: a CPU budget without CPU data in every round is a fault.
  if (!cpu && config.maxCpuOverhead !== null && arms.some((a) => a.build === 'head' && (a.kind === 'sampled' || a.kind === 'custom'))) {
    throw new GateError('service', `'max-cpu-overhead' is set but CPU was not measured in every round (it needs Linux /proc); set it to 'none' on this platform`)
  }
  const planned = planComparisons(config, arms, { cpuMeasured: cpu, stored: info?.status === 'ok' })
  const comparisons = planned.map((p) => computeOne(config, p, rounds, stored, info))
  const gate = decide(comparisons, { alpha: 1 - config.confidence, onInconclusive: config.onInconclusive })
  return { planned, comparisons: gate.comparisons, gate, ...(info !== undefined ? { stored: info } : {}) }
}
