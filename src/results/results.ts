import { targetOf, type Config } from '../config/config.js'
import type {
  ArmSpec,
  Comparison,
  MachineInfo,
  OpenLoopInfo,
  PlanStep,
  RoundResult,
  LooksInfo,
  SpikeResult,
  Verdict
} from '../types.js'
import { summariseArms, type ArmSummary } from './summary.js'

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
  /** Stored baselines: the arm summaries of the newest stored run, for the report's "main" column. */
  arms?: ArmSummary[]
  /** Stored baselines: main runs in the history measured with this run's settings. */
  runs?: number
  /** Stored baselines narrowed by main's history (`history-path`): the segment since the last change point. */
  segment?: BaselineSegment
}

/** The current segment of main's history the stored runs were narrowed to. */
export interface BaselineSegment {
  /** Commit and time of the segment's first entry. */
  startCommit: string
  startTime: string
  /** Entries of main's history in the segment, and stored runs (of `baseline-path`) among them. */
  entries: number
  storedRuns: number
  /** The change point that opened the segment (`QPS of off: -10.0 %`), absent when the history has none. */
  changePoint?: { label: string; change: number }
}

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
    /** Fixed seconds, or `auto` (until steady, at most warmupCapSec). */
    warmupSec: number | 'auto'
    /** Absent in results files written before the auto warm-up. */
    warmupCapSec?: number
    /** Seconds of load before the steady rule may end an auto warm-up; absent in older results files. */
    warmupMinSec?: number
    /** The runtime the auto warm-up limits were chosen for (config/runtime.ts); absent in older files. */
    warmupRuntime?: 'jvm' | 'other'
    /** `blocks-per-boot` as resolved (0: from one look to the next); absent in files before processes were kept. */
    blocksPerBoot?: number
    /** `process-offset` as resolved (fraction): the prior the intervals add for blocks sharing processes. */
    processOffset?: number
    connections: number
    confidence: number
    maxQpsOverhead: number | null
    maxP99Overhead: number | null
    /** Absent in results files written before CPU per request existed. */
    maxCpuOverhead?: number | null
    maxErrorRate: number
    onInconclusive: string
    /**
     * Load scenarios (absent in files written before they existed): every closed-loop level, the first is
     * `connections`.
     */
    connectionLevels?: number[]
    /** As configured: requests/s, 'auto' or null (no open-loop phase). */
    openLoopRate?: number | 'auto' | null
    maxP99OpenOverhead?: number | null
    spike?: { peak: number; durationSec: number } | null
    /** Absent in files written before the side-by-side design and the looks existed. */
    roundDesign?: string
    maxRounds?: number
    /** The `time-budget` in seconds (absent in older files). */
    timeBudgetSec?: number
  }
  plan: { seed: number | null; blocks: number; referenceArmId: string; arms: ArmSpec[]; steps: PlanStep[] }
  rounds: RoundResult[]
  arms: ArmSummary[]
  comparisons: Comparison[]
  timing: { startedAt?: string; finishedAt?: string; wallSec?: number; measuredSec?: number }
  /** The open-loop phase's rate and its calibration, when there was an open-loop phase. */
  openLoop?: OpenLoopInfo
  /** Spike runs (single runs after the blocks, not gated), when `spike` was set. */
  spike?: SpikeResult[]
  /** How the services stopped (absent in older files): the report warns about a service that ignores SIGTERM. */
  serviceStops?: ServiceStops
  /** The round design as run: side-by-side or sequential, and the pinning (absent in older files). */
  design?: string
  /** The resource caps of every service instance and how they were enforced (absent in older files). */
  caps?: ResourceCapsRecord
  /** Blocks at each look of the sequential design, and why the run stopped (absent in older files). */
  looks?: LooksInfo
  /** `mode: measure`: the run's id, runner and fingerprint, for a later `mode: merge`. */
  measured?: MeasuredRun
  /** `mode: merge`: the runs whose blocks were pooled, in block order. */
  merged?: { runs: MergedRun[] }
}

/** Resource caps as recorded: the same for every arm ('memory-limit', 'max-processes'; 0 = off). */
export interface ResourceCapsRecord {
  mechanism: string
  memoryBytes: number
  maxProcesses: number
  /** Which mechanism applied and what it does not cover, as the report says it. */
  note: string
}

/**
 * Service stops of a run: those that needed SIGKILL after 'stop-timeout', the time they cost, escaped processes killed.
 */
export interface ServiceStops {
  stops: number
  /** Stops where the service was still running 'stop-timeout' after SIGTERM and was SIGKILLed. */
  forcedKills: number
  /** The configured grace ('stop-timeout'), seconds. */
  graceSec: number
  /** Seconds spent waiting for those services: forcedKills × graceSec. */
  waitedSec: number
  /** Processes that had left the service's process group (setsid, double fork) and were killed by their tag. */
  escaped: number
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
    warmupCapSec: config.warmupCapSec,
    warmupMinSec: config.warmupMinSec,
    warmupRuntime: config.warmupRuntime,
    blocksPerBoot: config.blocksPerBoot,
    processOffset: config.processOffset,
    connections: config.connections,
    confidence: config.confidence,
    maxQpsOverhead: config.maxQpsOverhead,
    maxP99Overhead: config.maxP99Overhead,
    maxCpuOverhead: config.maxCpuOverhead,
    maxErrorRate: config.maxErrorRate,
    onInconclusive: config.onInconclusive,
    connectionLevels: [...config.connectionLevels],
    openLoopRate: config.openLoopRate,
    maxP99OpenOverhead: config.maxP99OpenOverhead,
    spike: config.spike === null ? null : { ...config.spike },
    roundDesign: config.roundDesign,
    maxRounds: config.maxRounds,
    timeBudgetSec: config.timeBudgetSec
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

/** A measure run's own record in its results file. */
export interface MeasuredRun {
  /** Random per measure run: the same file given twice to a merge is caught by it. */
  runId: string
  /** The machine and job that measured (the runner of a matrix job). */
  runner: { name: string; job?: string; cpuModel: string; cores: number }
  /** The seed of the run's block order (each runner draws its own). */
  seed: number | null
  /** Everything that changes the numbers, one JSON text per field: runs merge only when every field is equal. */
  fingerprint: Record<string, string>
}

/** One merged run, as the merged results file and the report list it. */
export interface MergedRun {
  file: string
  runId: string
  runner: string
  seed: number | null
  blocks: number
  /** The merged (renumbered) block of this run's block 0. */
  firstBlock: number
}
