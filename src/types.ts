/**
 * Plain data shared by every stage of the gate. Everything here is JSON-serialisable
 * so that results files, reports and tests can be built from it without the I/O shell.
 */

/** One arm of the experiment: a configuration of the service that gets its own rounds. */
export interface ArmSpec {
  /** Stable id used in reports and results: `off`, `on@0.01`, `on@1`. */
  id: string
  /** Human label: `tracing off`, `tracing on, 1% sampled` (prefixed `head:`/`base:` with a base build). */
  label: string
  /** Which build the arm boots: the PR's (head) or the base branch's (same-job baseline). */
  build: 'head' | 'base'
  /**
   * off: the reference; sampled: tracing at `samplingRate`; custom: a user-defined traced arm
   * (`extra-arms`); none: the service without agent or SDK (`uninstrumented-command`); recording:
   * sampled at `samplingRate` but exporting nothing (`OTEL_TRACES_EXPORTER=none`, `export-step`).
   */
  kind: 'off' | 'sampled' | 'custom' | 'none' | 'recording'
  /** Whether the arm is expected to export spans (a traced arm with zero spans is a fault). */
  tracing: boolean
  /** Sampling ratio in [0, 1] for sampled arms, null for the off arm and custom arms. */
  samplingRate: number | null
  /** Environment given to the service for this arm (OTEL_* and user extras), on top of the common env. */
  env: Record<string, string>
}

/** One measured round in the plan: block `block`, position `order` within the block. */
export interface PlanStep {
  block: number
  order: number
  armId: string
}

/** Arms × blocks in a seeded random order (RMIT). */
export interface Plan {
  seed: number
  blocks: number
  arms: ArmSpec[]
  /** The reference arm every other arm is compared with (`off`). */
  referenceArmId: string
  steps: PlanStep[]
}

/** Latency quantiles of one round in microseconds, from a per-response histogram. */
export interface LatencySummary {
  count: number
  meanUs: number
  p50Us: number
  p90Us: number
  p95Us: number
  p99Us: number
  p999Us: number
  maxUs: number
}

/** What the load generator measured in one round (warm-up excluded). */
export interface LoadResult {
  /** Measured wall-clock seconds of the round (after warm-up). */
  durationSec: number
  /** Responses received (any status). */
  responses: number
  /** Responses with a 2xx status. */
  ok: number
  /** Responses with a non-2xx status. */
  non2xx: number
  /** Socket errors (connection refused/reset…), timeouts excluded. */
  errors: number
  /** Requests that timed out. */
  timeouts: number
  /** Successful (2xx) responses per measured second. */
  qps: number
  /** (non2xx + errors + timeouts) / (responses + errors + timeouts); 0 when nothing was sent. */
  errorRate: number
  /** Latency of 2xx responses only. */
  latency: LatencySummary
  /**
   * Successful responses completed in each second of the measured window (the last entry may cover a
   * partial second), or in the alternating design in each measured slice (about a second each): whether a
   * slow block was slow throughout or for a moment. Absent in older results.
   */
  okPerSecond?: number[]
}

/** What the embedded OTLP receiver counted during one round. */
export interface OtlpCounts {
  /** Spans decoded from accepted export requests. */
  spans: number
  /** Export requests accepted. */
  requests: number
  /** Request body bytes as sent on the wire (before any decompression). */
  bytes: number
  /** Export requests that could not be decoded (answered 400). */
  rejected: number
}

/** Spans, sampled root spans and traces that started inside a round's measured window. */
export interface SpanWindowCounts {
  spans: number
  roots: number
  traces: number
  /** All spans of those traces (a trace is attributed to its first span's start). */
  traceSpans: number
}

/**
 * One collector's life in a round (src/measure/collector.ts): started before the service, drained and
 * stopped after it, so its counts and CPU cover the whole round (warm-up and every phase).
 */
export interface CollectorUsage {
  /** Spans its OTLP receiver accepted (its own otelcol_receiver_accepted_spans). */
  spansIn: number
  /** Spans the gate's receiver got from it. */
  spansOut: number
  /** Spans its exporters reported sent (otelcol_exporter_sent_spans, all exporters: twice spansOut with a {store}). */
  spansSent?: number
  /** OTLP bytes the gate's receiver got from it. */
  bytesOut: number
  exportRequests: number
  /** spansOut / spansIn (null when nothing came in). */
  keepRatio: number | null
  /** Seconds from ready to the end of the drain (the span of its CPU and of bytesOut). */
  lifeSec: number
  /** Seconds waited after the service stopped; `drainCapped` when the receiver never fell quiet. */
  drainSec: number
  drainCapped: boolean
  /** Its process tree's CPU over its life (absent where /proc cannot be sampled). */
  cpuSeconds?: number
  rssPeakBytes?: number
  rssAvgBytes?: number
  /**
   * 2xx answers of its service over the collector's life (warm-up and measured phases): the divisor of CPU per request.
   */
  requests?: number
  /**
   * `span-store: jaeger`: growth of Badger's data directory (allocated bytes, after Jaeger closed and flushed)
   * from Jaeger's ready to its stop after the collector's drain.
   */
  storeGrowthBytes?: number
}

/** One round: one arm booted once, warmed up, measured, stopped. */
export interface RoundResult {
  block: number
  order: number
  armId: string
  /** ISO time the measured phase started. */
  startedAt: string
  /** Port the service listened on in this round. */
  port: number
  /** Side-by-side design: the receiver slot (0-based start position) of this round within its block. */
  slot?: number
  /**
   * Side-by-side with pinning: how many CPUs the block's services shared (their CPU over the window
   * adds up to at most this; less means the shared core idled, src/report/shared-core.ts).
   */
  sharedCpus?: number
  /** The machine the block ran on (RUNNER_NAME or the host name): a blocking factor for a later matrix merge. */
  runner?: string
  /**
   * Alternating design with processes kept across blocks (`blocks-per-boot`): which boot of the run (0-based)
   * this round's process belonged to; every arm of a block shares it. Absent: a fresh process for this block.
   */
  boot?: number
  /** Set when the service ignored SIGTERM: seconds waited before it was killed with SIGKILL. */
  forcedStopSec?: number
  /** `collector-command`: the collector this round's service exported to (never part of the service's numbers). */
  collector?: CollectorUsage
  /**
   * `processes-per-arm` above 1: the arm's processes in this block, each on its own port, slot and share
   * of the connections. The round's other fields are their merge: sums of counts, QPS, CPU and spans,
   * the union of their latencies (src/measure/replicas.ts); `port` and `slot` are the first process's.
   */
  replicas?: ReplicaSummary[]
  load: LoadResult
  /** The discarded warm-up phase (its responses count towards spans per request). */
  warmup: RoundWarmup
  /**
   * Alternating design: the measured slices this round's arm had (it was loaded alone on the shared core
   * in each, the other arms alive and idle). Absent in the other designs.
   */
  slices?: number
  /** Counted from service start to exit, so it includes warm-up and the SDK's flush on shutdown. */
  otlp: OtlpCounts
  /**
   * Spans by their own start time inside the measured window of the primary phase (warm-up, readiness
   * polls and later phases excluded): the divisor of spans per request is the responses of that window.
   */
  window?: SpanWindowCounts
  /**
   * CPU seconds the gate's in-process receiver spent decoding and counting this round's exports
   * (the HTTP/gRPC transport not included); absent when the receiver ran in a worker thread.
   */
  receiverCpuSec?: number
  /**
   * CPU seconds of the receiver's whole worker thread from the service's boot to the round's end:
   * transport, body reads, decoding, accounting, GC on that thread (src/otlp/worker-host.ts).
   */
  receiverThreadCpuSec?: number
  /** CPU and memory of the service's whole process tree during the measured phase (Linux /proc only). */
  resources?: ResourceUsage
  /**
   * Further measured phases of the same boot, after the primary one (`load`): one closed-loop phase per
   * extra `connections` level, then the open-loop phase. Absent when only one level is configured.
   */
  phases?: PhaseResult[]
}

/** What a round's warm-up did: how long it loaded the service, and whether it ended steady (auto warm-up). */
export interface RoundWarmup {
  /** 2xx answers during the warm-up. */
  ok: number
  /** Seconds of load the service had before measuring (its own slices in the alternating design). */
  durationSec: number
  /**
   * `steady`: the steady-state rule held; `cap`: `warmup-cap` ended it first; `fixed`: a fixed warm-up. Absent in older
   * results.
   */
  ended?: 'steady' | 'cap' | 'fixed'
  /** The last relative change of throughput the rule saw (null: too few slices). */
  change?: number | null
  /** Requests per second in each warm-up slice, oldest first. */
  rates?: number[]
  /**
   * Processes kept across blocks: the block (0-based) before which this round's process warmed up; this block had
   * no warm-up of its own (`durationSec` is that warm-up's, `ok` 0: its answers count with that block).
   */
  sinceBlock?: number
}

/** One process of an arm in a block when `processes-per-arm` is above 1 (see RoundResult.replicas). */
export interface ReplicaSummary {
  port: number
  slot: number
  /** Its share of the arm's `connections`. */
  connections: number
  qps: number
  ok: number
  p99Us: number
  /** CPU seconds of its process tree over the window (absent where /proc cannot be read). */
  cpuSeconds?: number
}

/** One extra measured phase of a round (see RoundResult.phases). */
export interface PhaseResult {
  /** `c=200` for a closed-loop level, `open` for the open-loop phase. */
  id: string
  /** closed: `connections` requests in flight, each sent when the previous answered; open: a fixed request rate. */
  kind: 'closed' | 'open'
  /** Closed loop: the level; open loop: the most connections the generator may open. */
  connections: number
  /** Open loop only: the offered rate in requests per second (the same in every round and arm). */
  rate?: number
  /** For the open loop, latency runs from each request's scheduled send time (see src/load/open-loop.ts). */
  load: LoadResult
  /** Open loop only: how late the generator sent requests vs their schedule, P99 and max in µs. */
  sendLag?: { p99Us: number; maxUs: number }
}

/** The open-loop rate of a run: fixed before the blocks, so every arm sees the same offered load. */
export interface OpenLoopInfo {
  /** Offered requests per second. */
  rate: number
  /** input: `open-loop-rate` was a number; auto: a fraction of the calibration round's QPS. */
  source: 'input' | 'auto'
  /** The calibration round (not part of the results): closed loop, off arm, primary level. */
  calibration?: { armId: string; connections: number; qps: number; p99Us: number; meanUs: number; fraction: number }
}

/** One stage of a spike run: closed-loop load at `connections` for `durationSec`. */
export interface SpikeStageResult {
  connections: number
  durationSec: number
  qps: number
  /** P99 of the 2xx responses in µs (NaN when none). */
  p99Us: number
  /** Failed requests: non-2xx, socket errors and timeouts. */
  errors: number
  errorRate: number
}

/** A spike run of one arm: a single boot, stages back to back. Not replicated, never gated. */
export interface SpikeResult {
  armId: string
  stages: SpikeStageResult[]
  /** Set when the service died during the spike (the stages after it are missing). */
  died?: string
}

/** CPU and RSS of the service's process tree (wrapper `sh`/`npm` included) over a measured phase. */
export interface ResourceUsage {
  /** Total CPU time (user + system) the tree consumed during the measured phase. */
  cpuSeconds: number
  /** Average CPU over the phase, 100 = one core busy. */
  cpuPctAvg: number
  /** Highest CPU % over one sampling interval. */
  cpuPctPeak: number
  /** Mean over the samples of the summed RSS of the tree's processes. */
  rssAvgBytes: number
  rssPeakBytes: number
  /** Number of /proc scans (start and end included). */
  samples: number
  /**
   * 2xx answers over the same span as the CPU (the whole measured phase, answers between an arm's measured
   * slices included): the divisor of CPU per request. Absent in older results (then `load.ok`).
   */
  okServed?: number
}

/** A machine fingerprint recorded with every results file. */
export interface MachineInfo {
  cpuModel: string
  cores: number
  os: string
  node: string
  runner: string
}

/**
 * Direction of a metric: for QPS more is better; for latency and for `cpu` (CPU-seconds of the
 * service's process tree per 1,000 successful requests) less is better.
 */
export type MetricName = 'qps' | 'p99' | 'cpu'

/** Decision of one gated comparison. */
export type Decision = 'pass' | 'fail' | 'inconclusive'

/** Overall verdict of a run. `error` means the measurement itself failed. */
/** `measured`: a `mode: measure` run, which decides nothing (a later `mode: merge` decides over several). */
export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'error' | 'measured'

/**
 * An overhead and its two-sided interval, as every stage states it: the paired comparison (Comparison),
 * the rule's estimate (analysis/rule.ts), a look's verdict (analysis/decide.ts) and a comparison with the
 * stored history (analysis/history.ts). Fractions, positive = worse with tracing (or worse than main).
 */
export interface OverheadInterval {
  /** Point estimate of the overhead (fraction, positive = worse with tracing). */
  overhead: number
  /** Two-sided confidence interval of the overhead at `confidence` (NaN when n < 2 or undecidable). */
  ciLow: number
  ciHigh: number
  confidence: number
}

/**
 * The statistical comparison of one arm against the reference arm on one metric,
 * from the per-block paired log-ratios `d_b = ln(metric_arm / metric_ref)`.
 *
 * Overhead is signed so that positive means "tracing costs": for QPS `1 − exp(mean d)`,
 * for P99 `exp(mean d) − 1`. All fractions (0.041 = 4.1%).
 */
export interface Comparison extends OverheadInterval {
  /**
   * overhead: traced arm vs the off arm of the same build; regression: head build vs base build
   * (both off); overhead-change: head's overhead vs base's overhead at the same rate (difference in
   * differences of the per-block log-ratios).
   */
  kind: ComparisonKind
  /** Paired per block (same-job RMIT) or unpaired rounds (vs a stored baseline from another run). */
  paired: boolean
  armId: string
  referenceArmId: string
  metric: MetricName
  /** Number of complete blocks (pairs); for unpaired comparisons the arm's rounds. */
  n: number
  /** Unpaired comparisons only: rounds of the reference. */
  nRef?: number
  /** Per-block log-ratios ln(arm/ref), in block order. */
  logRatios: number[]
  meanLogRatio: number
  /** Sample standard deviation of the log-ratios (n − 1); NaN when n < 2. */
  sdLogRatio: number
  /** Two-sided p-value of "no difference" (paired t-test on the log-ratios). */
  pValue: number
  /** Two-sided p-value of "no difference" from the exact sign-flip permutation test. */
  pPermutation: number
  /** Budget (fraction) when this comparison is gated, null when it is only reported. */
  budget: number | null
  /** One-sided p of H0 "overhead ≤ budget" (max of t-test and sign-flip); null when not gated. */
  pFail: number | null
  /** pFail after Holm–Bonferroni across the gated comparisons; null when not gated. */
  pFailAdjusted: number | null
  /** Decision against the budget; null when not gated. */
  decision: Decision | null
  /** When set, this comparison can pass or be inconclusive but never fail, for the reason given. */
  cannotFail?: string
  /**
   * When set, this comparison can neither pass nor fail (INCONCLUSIVE), for the reason given: a stored history below 3
   * runs.
   */
  cannotPass?: string
  /**
   * Set when the values come from an extra phase (RoundResult.phases[].id, e.g. `c=200`, `open`), not the primary load.
   */
  phase?: string
  /** One-sided p of H0 "overhead ≥ budget" (small → PASS); gated comparisons of the current rule. */
  pPass?: number
  /** The nominal one-sided levels this comparison was held to at its deciding look (Holm step and α spending). */
  failLevel?: number
  passLevel?: number
  /** Index of the look (0-based) at which the decision was reached; null while undecided or inconclusive. */
  decidedAtLook?: number | null
  /** Robust per-block noise on the log scale (trimmed-mean SE·√n), what the sensitivity comes from. */
  blockScale?: number
  /** The smallest overhead this run could have caught with 80 % power under the rule applied. */
  detectable?: number
  /** detectable exceeds twice the budget: overheads well beyond the budget could pass unnoticed. */
  underpowered?: boolean
  /**
   * An INCONCLUSIVE paired comparison: the blocks a run would need to decide it (FAIL or PASS, the side its
   * estimate lies on) with 80 % power if its overhead is what was measured, at this run's per-block noise and
   * design (analysis/sensitivity.ts blocksToDecide); null when more than the cap (the estimate is at the budget).
   * `liftDivisor`: the bootstrap lift the rule took on this run's data (observedLiftDivisor), which the projection
   * assumes for the longer run.
   */
  toDecide?: { side: 'fail' | 'pass'; blocks: number | null; cap: number; liftDivisor?: number }
  /** Stored comparisons: runs in the stored history, and the SD of their typical values (log scale). */
  historyRuns?: number
  betweenRunSd?: number
  /** `mode: merge`: the runners the blocks came from and the between-runner spread (analysis/runners.ts). */
  runners?: RunnerSpread
  /**
   * Processes kept across blocks (`blocks-per-boot`): the boots the blocks came from and the process offset
   * added to the interval (analysis/boots.ts).
   */
  boots?: BootSpread
}

/**
 * Blocks measured on processes that lived across several blocks: a process's lifelong speed offset is
 * common to every block of its boot, so it does not average out over blocks. Its variance is added to the
 * estimate's, from a measured prior or from the boots' own spread, whichever is larger.
 */
export interface BootSpread {
  /** Blocks of each boot (boots in run order). */
  blocks: number[]
  /** SD of a comparison's log-ratio between boots from the prior (process offset × √processes compared). */
  tauPrior: number
  /** The same estimated from this run's boots (DerSimonian–Laird); NaN with fewer than 2 usable boots. */
  tauEstimate: number
  /** What was added: max(tauPrior, tauEstimate). */
  tau: number
  /** Factor the interval's half-width was multiplied by (1 = no widening). */
  widening: number
}

/** Blocks of several runners pooled with the runner as a blocking factor: the spread, how it widened the interval. */
export interface RunnerSpread {
  /** Blocks of each runner, in the order of the merged runs. */
  blocks: number[]
  /** Each runner's trimmed-mean log-ratio (oriented as the comparison's logRatios, not signed as overhead). */
  means: number[]
  /** Between-runner SD of the log-ratio (runner × arm interaction, DerSimonian–Laird estimate); NaN if unknown. */
  tau: number
  /** Cochran's Q of the runner means and its p (chi-square, runners − 1 df): small p = the spread is real. */
  q: number
  pHeterogeneity: number
  /** Factor the interval's half-width was multiplied by for the spread (1 = no widening). */
  widening: number
}

/**
 * instrumentation: the off arm vs the uninstrumented arm `none` (instrumentation loaded but off);
 * export: a traced arm vs its twin that records but exports nothing (the cost of exporting).
 */
export type ComparisonKind = 'overhead' | 'regression' | 'overhead-change' | 'instrumentation' | 'export'

/** Result of the gate over all comparisons. */
export interface GateResult {
  /** pass | fail | inconclusive (never error: errors are raised before the gate). */
  verdict: Exclude<Verdict, 'error' | 'measured'>
  /** Whether the check must fail (fail, or inconclusive with on-inconclusive=fail). */
  failCheck: boolean
  comparisons: Comparison[]
  /** One line per gated comparison that decided the verdict, human readable. */
  reasons: string[]
}

/** What to do with an inconclusive verdict. */
export type OnInconclusive = 'warn' | 'fail' | 'pass'

/** The looks of a run: taken, as last planned, why it stopped, and what the time budget allowed. */
export interface LooksInfo {
  /** Blocks at each look taken. */
  blocks: number[]
  stoppedBecause: string
  /** Every look as last planned from the time budget (the taken ones, then those not needed); absent in older files. */
  planned?: number[]
  /** Measured wall seconds per block over the run (what the looks were planned from); absent in older files. */
  secPerBlock?: number
  /**
   * Set when the time budget held one look only: the budget in seconds that would hold two, and where they would be.
   */
  oneLook?: { budgetSec: number; looks: number[] }
  /**
   * The run's pace (plan/time-budget.ts RunPace): s before the first block, per block (boots included), and with
   * processes kept across blocks s per boot, per warm block and the blocks per boot last planned; what the budget an
   * undecided comparison would need is projected from. Absent in older files.
   */
  pace?: {
    secBeforeBlocks: number
    secPerBlock: number
    secPerBoot?: number
    secPerWarmBlock?: number
    blocksPerBoot?: number
  }
}
