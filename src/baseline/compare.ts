import { targetOf, type Config } from '../config/config.js'
import { compareUnpaired } from '../stats/unpaired.js'
import { metricValue } from '../stats/logRatios.js'
import type { Comparison, MachineInfo, MetricName, RoundResult } from '../types.js'
import type { ResultsFile } from './results.js'
import type { ArmSummary } from '../report/summary.js'

export const STORED_OFF_ARM_ID = 'stored/off'

/** What the report says about the baseline, whatever happened to it. */
export interface BaselineInfo {
  source: 'same-job' | 'stored' | 'none'
  /** ok, or why there is no usable baseline (missing, malformed, future-version, unusable). */
  status: 'ok' | 'missing' | 'malformed' | 'future-version' | 'unusable' | 'not-configured'
  message?: string
  path?: string
  createdAt?: string
  sha?: string
  ref?: string
  machine?: MachineInfo
  /** Stored baselines: same CPU model and core count as this run. */
  sameMachine?: boolean
  machineDifferences?: string[]
  /** Stored baselines: the arm summaries of the stored run, for the report's "main" column. */
  arms?: ArmSummary[]
}

/** Differences between two fingerprints that make a cross-run comparison cross-machine. */
export function machineDifferences(a: MachineInfo, b: MachineInfo): string[] {
  const out: string[] = []
  if (a.cpuModel !== b.cpuModel) out.push(`CPU '${a.cpuModel}' vs '${b.cpuModel}'`)
  if (a.cores !== b.cores) out.push(`${a.cores} vs ${b.cores} cores`)
  return out
}

/** Settings that must match for a stored baseline to measure the same thing. */
export function settingsDifferences(config: Config, stored: ResultsFile['settings']): string[] {
  const out: string[] = []
  if (stored.connections !== config.connections) out.push(`connections ${stored.connections} vs ${config.connections}`)
  if (stored.roundDurationSec !== config.roundDurationSec) out.push(`round-duration ${stored.roundDurationSec} vs ${config.roundDurationSec}`)
  if (stored.warmupSec !== config.warmupSec) out.push(`warmup-duration ${stored.warmupSec} vs ${config.warmupSec}`)
  if (stored.target !== targetOf(config)) out.push(`target '${stored.target}' vs '${targetOf(config)}'`)
  return out
}

/**
 * Regression of this run's `off` arm against the stored baseline's `off` rounds (unpaired: other
 * run, other minute, maybe another machine). Decision rule, documented in the README: a stored
 * baseline from a different CPU model or core count can PASS or be INCONCLUSIVE but never FAIL —
 * a different machine is not a regression of the code.
 */
export function compareWithStored(
  config: Config,
  rounds: readonly RoundResult[],
  stored: ResultsFile,
  machine: MachineInfo
): { comparisons: Comparison[]; info: BaselineInfo } {
  const differences = machineDifferences(stored.machine, machine)
  const info: BaselineInfo = {
    source: 'stored',
    status: 'ok',
    path: config.baselinePath ?? undefined,
    createdAt: stored.createdAt,
    sha: stored.git?.sha,
    ref: stored.git?.ref,
    machine: stored.machine,
    sameMachine: differences.length === 0,
    machineDifferences: differences,
    arms: stored.arms
  }
  const settings = settingsDifferences(config, stored.settings)
  if (settings.length > 0) {
    return {
      comparisons: [],
      info: { ...info, status: 'unusable', message: `the stored baseline was measured with other settings (${settings.join('; ')})` }
    }
  }
  const mine = rounds.filter((r) => r.armId === 'off')
  const theirs = stored.rounds.filter((r) => r.armId === 'off')
  const comparisons: Comparison[] = []
  for (const metric of ['qps', 'p99'] as MetricName[]) {
    const c = compareUnpaired(
      mine.map((r) => Math.log(metricValue(r, metric))),
      theirs.map((r) => Math.log(metricValue(r, metric))),
      'off',
      STORED_OFF_ARM_ID,
      metric,
      { confidence: config.confidence, budget: metric === 'qps' ? config.maxQpsRegression : config.maxP99Regression, kind: 'regression' }
    )
    if (differences.length > 0) c.cannotFail = `baseline from another machine (${differences.join(', ')})`
    comparisons.push(c)
  }
  return { comparisons, info }
}
