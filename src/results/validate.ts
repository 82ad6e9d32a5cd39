/**
 * Validation of every field the report renders from a results file. In `mode: report` the file is an
 * artifact built by PR code (maybe a fork's), so each string, number and enum the renderer touches is
 * checked here, not only the header the comparisons need (read.ts: validateResults).
 */
import type { ComparisonKind } from '../types.js'

/** A results file field of the wrong type or shape; names the field (path) and what was expected. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(message)
    this.name = 'FieldError'
  }
}

/** A check of one value at `field`; throws FieldError. */
export type Check = (x: unknown, field: string) => void

/** Longest string accepted anywhere (a comment holds at most 65,536 characters). */
export const MAX_STRING = 20_000
/** Longest array accepted (rounds, log-ratios, …). */
export const MAX_ARRAY = 100_000

function fail(field: string, expected: string, got: unknown): never {
  const shown =
    typeof got === 'string' ? `a string of ${got.length} characters` : (JSON.stringify(got)?.slice(0, 60) ?? 'nothing')
  throw new FieldError(field, `'${field}' must be ${expected}, got ${shown}`)
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

export const str: Check = (x, f) => {
  if (typeof x !== 'string' || x.length > MAX_STRING) fail(f, `a string of at most ${MAX_STRING} characters`, x)
}
export const num: Check = (x, f) => {
  if (typeof x !== 'number' || !Number.isFinite(x)) fail(f, 'a finite number', x)
}
/** NaN statistics (too few blocks) are written as null by JSON.stringify. */
export const numOrNull: Check = (x, f) => {
  if (x !== null) num(x, f)
}
export const bool: Check = (x, f) => {
  if (typeof x !== 'boolean') fail(f, 'true or false', x)
}
export const oneOf =
  (values: readonly unknown[]): Check =>
  (x, f) => {
    if (!values.includes(x)) fail(f, `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, x)
  }
export const optional =
  (check: Check): Check =>
  (x, f) => {
    if (x !== undefined) check(x, f)
  }
export const nullable =
  (check: Check): Check =>
  (x, f) => {
    if (x !== null) check(x, f)
  }
export const arrayOf =
  (check: Check): Check =>
  (x, f) => {
    if (!Array.isArray(x) || x.length > MAX_ARRAY) fail(f, `an array of at most ${MAX_ARRAY} items`, x)
    x.forEach((item, i) => check(item, `${f}[${i}]`))
  }
export const objectOf =
  (shape: Record<string, Check>): Check =>
  (x, f) => {
    if (!isObj(x)) fail(f, 'an object', x)
    for (const [k, check] of Object.entries(shape)) check(x[k], f === '' ? k : `${f}.${k}`)
  }
/** An object whose values (any keys) pass `check`, e.g. an arm's env. */
export const recordOf =
  (check: Check): Check =>
  (x, f) => {
    if (!isObj(x)) fail(f, 'an object', x)
    for (const [k, v] of Object.entries(x)) {
      str(k, `${f} key`)
      check(v, `${f}.${k}`)
    }
  }

const COMPARISON_KINDS = [
  'overhead',
  'regression',
  'overhead-change',
  'instrumentation',
  'export'
] as const satisfies readonly ComparisonKind[]
// Compile-time: a new ComparisonKind must be added above, or reading a results file of it fails.
const allKinds: Exclude<ComparisonKind, (typeof COMPARISON_KINDS)[number]> extends never ? true : never = true
void allKinds

const latency = objectOf(
  Object.fromEntries(
    ['count', 'meanUs', 'p50Us', 'p90Us', 'p95Us', 'p99Us', 'p999Us', 'maxUs'].map((k) => [k, numOrNull])
  )
)
const load = objectOf({
  ...Object.fromEntries(
    ['durationSec', 'responses', 'ok', 'non2xx', 'errors', 'timeouts', 'qps', 'errorRate'].map((k) => [k, num])
  ),
  latency,
  okPerSecond: optional(arrayOf(num))
})
const resources = objectOf(
  Object.fromEntries(
    ['cpuSeconds', 'cpuPctAvg', 'cpuPctPeak', 'rssAvgBytes', 'rssPeakBytes', 'samples'].map((k) => [k, num])
  )
)
const machine = objectOf({ cpuModel: str, cores: num, os: str, node: str, runner: str })

const armSpec = objectOf({
  id: str,
  label: str,
  build: oneOf(['head', 'base']),
  kind: oneOf(['off', 'sampled', 'custom', 'none', 'recording']),
  tracing: bool,
  samplingRate: nullable(num),
  env: recordOf(str)
})

const round = objectOf({
  block: num,
  order: num,
  armId: str,
  startedAt: str,
  port: num,
  slot: optional(num),
  sharedCpus: optional(num),
  runner: optional(str),
  forcedStopSec: optional(num),
  replicas: optional(
    arrayOf(
      objectOf({
        port: num,
        slot: num,
        connections: num,
        qps: num,
        ok: num,
        p99Us: numOrNull,
        cpuSeconds: optional(num)
      })
    )
  ),
  load,
  window: optional(objectOf({ spans: num, roots: num, traces: num, traceSpans: num })),
  receiverCpuSec: optional(num),
  receiverThreadCpuSec: optional(num),
  warmup: objectOf({ ok: num, durationSec: num }),
  otlp: objectOf({ spans: num, requests: num, bytes: num, rejected: num }),
  resources: optional(resources),
  phases: optional(
    arrayOf(
      objectOf({
        id: str,
        kind: oneOf(['closed', 'open']),
        connections: num,
        rate: optional(num),
        load,
        sendLag: optional(objectOf({ p99Us: numOrNull, maxUs: numOrNull }))
      })
    )
  )
})

const comparison = objectOf({
  kind: oneOf(COMPARISON_KINDS),
  paired: bool,
  armId: str,
  referenceArmId: str,
  metric: oneOf(['qps', 'p99', 'cpu']),
  n: num,
  nRef: optional(num),
  logRatios: arrayOf(numOrNull),
  ...Object.fromEntries(
    ['meanLogRatio', 'sdLogRatio', 'overhead', 'ciLow', 'ciHigh', 'pValue', 'pPermutation'].map((k) => [k, numOrNull])
  ),
  confidence: num,
  budget: nullable(num),
  pFail: nullable(numOrNull),
  pFailAdjusted: nullable(numOrNull),
  decision: nullable(oneOf(['pass', 'fail', 'inconclusive'])),
  cannotFail: optional(str),
  cannotPass: optional(str),
  phase: optional(str)
})

const armSummary = objectOf({
  armId: str,
  label: str,
  samplingRate: nullable(num),
  ...Object.fromEntries(
    [
      'rounds',
      'qps',
      'qpsCv',
      'p50Us',
      'p95Us',
      'p99Us',
      'p999Us',
      'failed',
      'requests',
      'spans',
      'exportRequests',
      'otlpBytes',
      'spansPerRequest',
      'otlpBytesPerSec',
      'storageMBPerHour'
    ].map((k) => [k, numOrNull])
  ),
  spansPerTrace: optional(num),
  receiverCpuShare: optional(num),
  receiverCpuScope: optional(oneOf(['thread', 'decode'])),
  resources: optional(
    objectOf(
      Object.fromEntries(
        ['cpuSecPerKReq', 'cpuPctAvg', 'cpuPctPeak', 'rssAvgBytes', 'rssPeakBytes'].map((k) => [k, numOrNull])
      )
    )
  )
})

const baseline = objectOf({
  source: oneOf(['same-job', 'stored', 'none']),
  status: oneOf(['ok', 'missing', 'malformed', 'future-version', 'unusable', 'not-configured']),
  message: optional(str),
  path: optional(str),
  createdAt: optional(str),
  sha: optional(str),
  ref: optional(str),
  machine: optional(machine),
  sameMachine: optional(bool),
  machineDifferences: optional(arrayOf(str)),
  arms: optional(arrayOf(armSummary))
})

const optNum = optional(nullable(num))

/** Every field `reportFromResults` + `renderReport` read, with its type. */
const REPORTABLE = objectOf({
  verdict: oneOf(['pass', 'fail', 'inconclusive', 'error']),
  failCheck: bool,
  reasons: arrayOf(str),
  error: optional(str),
  createdAt: str,
  machine,
  pinning: str,
  git: objectOf(
    Object.fromEntries([
      ...['repository', 'sha', 'ref', 'baseSha', 'baseRef', 'eventName', 'runUrl', 'workflow', 'job'].map((k) => [
        k,
        optional(str)
      ]),
      ['prNumber', optional(num)]
    ] as [string, Check][])
  ),
  baseline,
  settings: objectOf({
    startCommand: str,
    target: str,
    serviceName: str,
    samplingRates: arrayOf(num),
    rounds: num,
    roundDurationSec: num,
    warmupSec: num,
    connections: num,
    confidence: num,
    maxQpsOverhead: nullable(num),
    maxP99Overhead: nullable(num),
    maxCpuOverhead: optNum,
    maxErrorRate: num,
    onInconclusive: str,
    connectionLevels: optional(arrayOf(num)),
    openLoopRate: optional((x, f) => (x === 'auto' ? undefined : nullable(num)(x, f))),
    maxP99OpenOverhead: optNum,
    spike: optional(nullable(objectOf({ peak: num, durationSec: num }))),
    roundDesign: optional(str),
    maxRounds: optional(num),
    timeBudgetSec: optional(num)
  }),
  plan: objectOf({
    seed: nullable(num),
    blocks: num,
    referenceArmId: str,
    arms: arrayOf(armSpec),
    steps: arrayOf(objectOf({ block: num, order: num, armId: str }))
  }),
  rounds: arrayOf(round),
  comparisons: arrayOf(comparison),
  timing: objectOf({
    startedAt: optional(str),
    finishedAt: optional(str),
    wallSec: optional(num),
    measuredSec: optional(num)
  }),
  serviceStops: optional(objectOf({ stops: num, forcedKills: num, graceSec: num, waitedSec: num, escaped: num })),
  design: optional(str),
  looks: optional(
    objectOf({
      blocks: arrayOf(num),
      stoppedBecause: str,
      planned: optional(arrayOf(num)),
      secPerBlock: optional(num),
      oneLook: optional(objectOf({ budgetSec: num, looks: arrayOf(num) }))
    })
  )
})

/** Check every rendered field of parsed results JSON; throws FieldError naming the first bad one. */
export function checkReportable(json: unknown): void {
  REPORTABLE(json, '')
}
