/**
 * The one JSON schema of every file the gate reads from elsewhere: a results file (`mode: report`, an
 * artifact that PR code may have built), a stored baseline and the history file (`baseline-path`,
 * written by other jobs). Validated with ajv (a maintained validator) instead of hand-written checks.
 *
 * Two layers, one document:
 * - `core`: what the comparisons and a stored baseline rely on (rounds, their metrics, machine, the
 *   settings that must match); every run of a history must pass it.
 * - `reportable`: every field the report renders; a results file read by `mode: report` must pass both.
 * A new optional field is one `props` entry in the layer that reads it (and `optional` when old files
 * lack it). Every node carries `expected`, the phrase an error quotes ("must be a positive number").
 */
import type { ComparisonKind } from '../types.js'
import { HISTORY_SCHEMA, HISTORY_VERSION } from './history.js'
import { RESULTS_SCHEMA, RESULTS_VERSION } from './results.js'

/** Longest string accepted anywhere (a comment holds at most 65,536 characters). */
export const MAX_STRING = 20_000
/** Longest array accepted (rounds, log-ratios, …). */
export const MAX_ARRAY = 100_000
/** Deepest nesting accepted (a real file nests about 8 levels); checked before the schema, see read.ts. */
export const MAX_DEPTH = 32

type Node = Record<string, unknown> & { expected: string }
/** A property that may be absent (older files, optional sections). */
interface Optional {
  optional: Node
}
type Prop = Node | Optional

const optional = (n: Node): Optional => ({ optional: n })
const isOptional = (p: Prop): p is Optional => 'optional' in p

// Leaves.
const str: Node = { type: 'string', maxLength: MAX_STRING, expected: `a string of at most ${MAX_STRING} characters` }
const text = (expected = 'a string'): Node => ({ type: 'string', maxLength: MAX_STRING, expected })
const num: Node = { type: 'number', expected: 'a finite number' }
const number = (expected = 'a number'): Node => ({ type: 'number', expected })
const positive: Node = { type: 'number', exclusiveMinimum: 0, expected: 'a positive number' }
/** NaN statistics (too few blocks, no 2xx answer) are written as null by JSON.stringify. */
const numOrNull: Node = { type: ['number', 'null'], expected: 'a finite number or null' }
const bool: Node = { type: 'boolean', expected: 'true or false' }
/** A fixed warm-up in seconds, or 'auto' (until steady). */
const warmupSetting: Node = {
  anyOf: [{ type: 'number' }, { const: 'auto' }],
  expected: "a number or 'auto'"
}
const oneOf = (values: readonly (string | number)[], expected?: string): Node => ({
  enum: [...values],
  expected: expected ?? `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`
})
const nullable = (n: Node): Node =>
  'type' in n && typeof n.type === 'string'
    ? { ...n, type: [n.type, 'null'], expected: `${n.expected} or null` }
    : { anyOf: [{ type: 'null' }, strip(n)], expected: `${n.expected} or null` }
const arrayOf = (items: Node, expected = `an array of at most ${MAX_ARRAY} items`): Node => ({
  type: 'array',
  maxItems: MAX_ARRAY,
  items,
  expected
})
/**
 * The properties are checked one after the other, each presence then value (an `allOf` per key rather
 * than one `required` list), so the first error is the first bad field in the order written here.
 */
const objectOf = (props: Record<string, Prop>, expected = 'an object'): Node => ({
  type: 'object',
  allOf: Object.entries(props).map(([k, p]) =>
    isOptional(p) ? { properties: { [k]: p.optional } } : { required: [k], properties: { [k]: p } }
  ),
  expected
})
/** An object whose values (any keys) pass `values`, e.g. an arm's env. */
const recordOf = (values: Node): Node => ({
  type: 'object',
  propertyNames: { maxLength: MAX_STRING },
  additionalProperties: values,
  expected: 'an object'
})
/** The same node without its annotation (inside anyOf, where the outer node speaks). */
function strip(n: Node): Record<string, unknown> {
  const { expected: _, ...rest } = n
  void _
  return rest
}
const each = (keys: readonly string[], n: Prop): Record<string, Prop> => Object.fromEntries(keys.map((k) => [k, n]))

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

// ---- core: what a stored baseline and the comparisons rely on ----

const corePhase = objectOf({
  id: text(),
  kind: oneOf(['closed', 'open'], "'closed' or 'open'"),
  connections: number(),
  load: objectOf({
    ...each(['qps', 'ok', 'non2xx', 'errors', 'timeouts', 'errorRate'], number()),
    latency: objectOf({ p99Us: nullable(number()) })
  })
})

const coreRound = objectOf({
  armId: text(),
  block: number(),
  load: objectOf({ qps: positive, latency: objectOf({ p99Us: positive }) }),
  phases: optional(arrayOf(corePhase, 'an array'))
})

const core = objectOf(
  {
    schema: { const: RESULTS_SCHEMA, expected: `'${RESULTS_SCHEMA}'` },
    // Above RESULTS_VERSION: read.ts turns the `maximum` error into "newer than this gate understands".
    version: { type: 'integer', minimum: 1, maximum: RESULTS_VERSION, expected: 'a positive integer' },
    machine: objectOf({ cpuModel: text(), cores: number() }),
    settings: objectOf({
      ...each(['connections', 'roundDurationSec'], number()),
      warmupSec: warmupSetting,
      target: text()
    }),
    rounds: arrayOf(coreRound, 'an array'),
    openLoop: optional(
      objectOf({
        rate: positive,
        source: oneOf(['auto', 'input'], "'auto' or 'input'"),
        calibration: optional(objectOf({ armId: text(), ...each(['connections', 'qps', 'fraction'], number()) }))
      })
    ),
    spike: optional(
      arrayOf(
        objectOf({
          armId: text(),
          died: optional(text()),
          stages: arrayOf(
            objectOf({
              ...each(['connections', 'durationSec', 'qps', 'errors', 'errorRate'], number()),
              p99Us: nullable(number())
            }),
            'an array'
          )
        }),
        'an array'
      )
    ),
    createdAt: text('an ISO date string')
  },
  'a JSON object'
)

// ---- reportable: every field reportFromResults + renderReport read ----

const latency = objectOf(each(['count', 'meanUs', 'p50Us', 'p90Us', 'p95Us', 'p99Us', 'p999Us', 'maxUs'], numOrNull))
const load = objectOf({
  ...each(['durationSec', 'responses', 'ok', 'non2xx', 'errors', 'timeouts', 'qps', 'errorRate'], num),
  latency,
  okPerSecond: optional(arrayOf(num))
})
const resources = objectOf({
  ...each(['cpuSeconds', 'cpuPctAvg', 'cpuPctPeak', 'rssAvgBytes', 'rssPeakBytes', 'samples'], num),
  okServed: optional(num)
})
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
  boot: optional(num),
  collector: optional(
    objectOf({
      ...each(['spansIn', 'spansOut', 'bytesOut', 'exportRequests', 'lifeSec', 'drainSec'], num),
      keepRatio: numOrNull,
      drainCapped: bool,
      ...each(['spansSent', 'cpuSeconds', 'rssPeakBytes', 'rssAvgBytes', 'requests', 'storeGrowthBytes'], optional(num))
    })
  ),
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
  window: optional(objectOf(each(['spans', 'roots', 'traces', 'traceSpans'], num))),
  receiverCpuSec: optional(num),
  receiverThreadCpuSec: optional(num),
  warmup: objectOf({
    ok: num,
    durationSec: num,
    ended: optional(oneOf(['steady', 'cap', 'fixed'])),
    change: optional(numOrNull),
    rates: optional(arrayOf(num)),
    sinceBlock: optional(num)
  }),
  slices: optional(num),
  otlp: objectOf(each(['spans', 'requests', 'bytes', 'rejected'], num)),
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
  ...each(['meanLogRatio', 'sdLogRatio', 'overhead', 'ciLow', 'ciHigh', 'pValue', 'pPermutation'], numOrNull),
  confidence: num,
  budget: nullable(num),
  pFail: numOrNull,
  pFailAdjusted: numOrNull,
  decision: nullable(oneOf(['pass', 'fail', 'inconclusive'])),
  cannotFail: optional(str),
  cannotPass: optional(str),
  phase: optional(str),
  runners: optional(
    objectOf({
      blocks: arrayOf(num),
      means: arrayOf(numOrNull),
      ...each(['tau', 'q', 'pHeterogeneity'], numOrNull),
      widening: num
    })
  ),
  boots: optional(
    objectOf({
      blocks: arrayOf(num),
      ...each(['tauPrior', 'tauEstimate', 'tau'], numOrNull),
      widening: num
    })
  )
})

const armSummary = objectOf({
  armId: str,
  label: str,
  samplingRate: nullable(num),
  ...each(
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
    ],
    numOrNull
  ),
  spansPerTrace: optional(num),
  receiverCpuShare: optional(num),
  receiverCpuScope: optional(oneOf(['thread', 'decode'])),
  resources: optional(
    objectOf(each(['cpuSecPerKReq', 'cpuPctAvg', 'cpuPctPeak', 'rssAvgBytes', 'rssPeakBytes'], numOrNull))
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
  arms: optional(arrayOf(armSummary)),
  // The segment of main's history the stored runs were narrowed to (rendered under "vs main").
  segment: optional(
    objectOf({
      startCommit: str,
      startTime: str,
      entries: num,
      storedRuns: num,
      changePoint: optional(objectOf({ label: str, change: num }))
    })
  )
})

const optNum = optional(nullable(num))

const reportable = objectOf(
  {
    verdict: oneOf(['pass', 'fail', 'inconclusive', 'error', 'measured']),
    failCheck: bool,
    reasons: arrayOf(str),
    error: optional(str),
    createdAt: str,
    machine,
    pinning: str,
    git: objectOf({
      ...each(
        ['repository', 'sha', 'ref', 'baseSha', 'baseRef', 'eventName', 'runUrl', 'workflow', 'job'],
        optional(str)
      ),
      prNumber: optional(num)
    }),
    baseline,
    settings: objectOf({
      startCommand: str,
      target: str,
      serviceName: str,
      samplingRates: arrayOf(num),
      rounds: num,
      roundDurationSec: num,
      warmupSec: warmupSetting,
      warmupCapSec: optional(num),
      warmupMinSec: optional(num),
      warmupRuntime: optional(oneOf(['jvm', 'other'])),
      blocksPerBoot: optional(num),
      processOffset: optional(num),
      connections: num,
      confidence: num,
      maxQpsOverhead: nullable(num),
      maxP99Overhead: nullable(num),
      maxCpuOverhead: optNum,
      maxErrorRate: num,
      onInconclusive: str,
      connectionLevels: optional(arrayOf(num)),
      openLoopRate: optional({
        anyOf: [{ const: 'auto' }, { type: ['number', 'null'] }],
        expected: "'auto', a finite number or null"
      }),
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
      ...each(['startedAt', 'finishedAt'], optional(str)),
      ...each(['wallSec', 'measuredSec'], optional(num))
    }),
    serviceStops: optional(objectOf(each(['stops', 'forcedKills', 'graceSec', 'waitedSec', 'escaped'], num))),
    caps: optional(objectOf({ mechanism: str, memoryBytes: num, maxProcesses: num, note: str })),
    design: optional(str),
    looks: optional(
      objectOf({
        blocks: arrayOf(num),
        stoppedBecause: str,
        planned: optional(arrayOf(num)),
        secPerBlock: optional(num),
        oneLook: optional(objectOf({ budgetSec: num, looks: arrayOf(num) })),
        pace: optional(
          objectOf({
            ...each(['secBeforeBlocks', 'secPerBlock'], num),
            ...each(['secPerBoot', 'secPerWarmBlock', 'blocksPerBoot'], optional(num))
          })
        )
      })
    ),
    // `mode: measure`: read by `mode: merge` to check that the runs measured the same thing.
    measured: optional(
      objectOf({
        runId: str,
        runner: objectOf({ name: str, job: optional(str), cpuModel: str, cores: num }),
        seed: nullable(num),
        fingerprint: recordOf(str)
      })
    ),
    merged: optional(
      objectOf({
        runs: arrayOf(
          objectOf({ file: str, runId: str, runner: str, seed: nullable(num), blocks: num, firstBlock: num })
        )
      })
    )
  },
  'a JSON object'
)
const history = objectOf(
  {
    schema: { const: HISTORY_SCHEMA, expected: `'${HISTORY_SCHEMA}'` },
    version: {
      const: HISTORY_VERSION,
      expected: `${HISTORY_VERSION} (history files of other versions are not understood)`
    },
    runs: arrayOf({ $ref: '#/$defs/core', expected: 'a results object' }, 'an array of results')
  },
  'a JSON object'
)

/** The schema document: `#/$defs/{core,results,history}`. */
export const SCHEMA = {
  $id: 'https://otlp-perf-gate/schema/files.json',
  $defs: {
    core,
    results: { allOf: [{ $ref: '#/$defs/core' }, { $ref: '#/$defs/reportable' }], expected: 'a results object' },
    reportable,
    history
  }
} as const
