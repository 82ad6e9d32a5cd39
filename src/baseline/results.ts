import { targetOf, type Config } from '../config/config.js'
import type { ArmSpec, Comparison, MachineInfo, PlanStep, RoundResult, Verdict } from '../types.js'
import { summariseArms, type ArmSummary } from '../report/summary.js'
import type { BaselineInfo } from './compare.js'

export const RESULTS_SCHEMA = 'otlp-perf-gate/results'
/** Bump when a reader of an older file would misread the new one. Readers refuse versions they don't know. */
export const RESULTS_VERSION = 1

/**
 * The versioned results file: written on every run (push to main → a stored baseline; PR → an artifact
 * for the two-workflow publishing pattern). Everything needed to re-render the report is inside.
 */
export interface ResultsFile {
  schema: typeof RESULTS_SCHEMA
  version: typeof RESULTS_VERSION
  tool: { name: string; version: string }
  createdAt: string
  verdict: Verdict
  failCheck: boolean
  reasons: string[]
  error?: string
  machine: MachineInfo
  pinning: string
  git: {
    repository?: string
    sha?: string
    ref?: string
    baseSha?: string
    baseRef?: string
    eventName?: string
    prNumber?: number
    runUrl?: string
    /** Workflow and job of the run that measured: they key the sticky comment. */
    workflow?: string
    job?: string
  }
  /** Where the main-branch baseline came from, or why there was none. */
  baseline: BaselineInfo
  settings: {
    startCommand: string
    target: string
    serviceName: string
    samplingRates: number[]
    rounds: number
    roundDurationSec: number
    warmupSec: number
    connections: number
    confidence: number
    maxQpsOverhead: number | null
    maxP99Overhead: number | null
    /** Absent in results files written before CPU per request existed. */
    maxCpuOverhead?: number | null
    maxErrorRate: number
    onInconclusive: string
  }
  plan: { seed: number | null; blocks: number; referenceArmId: string; arms: ArmSpec[]; steps: PlanStep[] }
  rounds: RoundResult[]
  arms: ArmSummary[]
  comparisons: Comparison[]
  timing: { startedAt?: string; finishedAt?: string; wallSec?: number; measuredSec?: number }
}

export function settingsOf(config: Config): ResultsFile['settings'] {
  return {
    startCommand: config.startCommand,
    target: targetOf(config),
    serviceName: config.serviceName,
    samplingRates: [...config.samplingRates],
    rounds: config.rounds,
    roundDurationSec: config.roundDurationSec,
    warmupSec: config.warmupSec,
    connections: config.connections,
    confidence: config.confidence,
    maxQpsOverhead: config.maxQpsOverhead,
    maxP99Overhead: config.maxP99Overhead,
    maxCpuOverhead: config.maxCpuOverhead,
    maxErrorRate: config.maxErrorRate,
    onInconclusive: config.onInconclusive
  }
}

/** Assemble the results file from plain data (pure). */
export function buildResults(input: Omit<ResultsFile, 'schema' | 'version' | 'arms'>): ResultsFile {
  return {
    schema: RESULTS_SCHEMA,
    version: RESULTS_VERSION,
    ...input,
    arms: summariseArms(input.plan.arms, input.rounds)
  }
}
