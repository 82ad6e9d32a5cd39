/**
 * Measurement-quality bench (not part of the test suite): on this machine, how noisy is the gate,
 * how often does it cry wolf, how small an overhead does it see, is the load generator the
 * bottleneck, and what does the gate cost beyond its rounds. Bounded in time by its settings.
 *
 *   npm run bench                      # everything, default sizes (~30 min on a 2-core runner)
 *   npm run bench -- --quick           # a smoke run of every part (~3 min)
 *   npm run bench -- --only noise,generator --runs 10
 *   npm run bench -- --only noise --noise-rounds 12 --round-durations 10   # one row of the noise history
 *   npm run bench -- --only false-alarm --runs 5                           # A/A gate runs at the defaults
 *   npm run bench -- --only power --power-cases 0.1:5 --extra-cpu-us 4    # injected 10 % vs a 5 % budget
 *
 * Without flags, blocks, block length, warm-up and connections are the action's own defaults
 * (src/config/inputs.ts). Noise rows append to bench/results/noise-history.jsonl and every
 * false-alarm/power gate run to defaults-history.jsonl, so series measured at different hours add up
 * (`--only noise-summary` / `--only runs-summary` rebuild the .md tables).
 *
 * Writes bench/results/latest.json and bench/results/latest.md (docs/accuracy.md's tables).
 */
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { AUTO_ROUND_DURATION_SEC, parseConfig, type RawInputs } from '../src/config/config.js'
import { runEngine } from '../src/gate/engine.js'
import type { GateRun } from '../src/results/gate-run.js'
import { killAllServices, findFreePort } from '../src/service/service.js'
import { runLoad } from '../src/load/load.js'
import { planPinning } from '../src/service/pinning.js'
import { machineInfo } from '../src/results/fingerprint.js'
import type { Comparison, LooksInfo, MetricName } from '../src/types.js'
import { pairedLogRatios } from '../src/stats/log-ratios.js'
import { meanSd } from '../src/stats/t-test.js'
import { medianAbsoluteDeviation } from 'simple-statistics'
import { summariseArms } from '../src/results/summary.js'
import { INPUT_SPECS, Inputs } from '../src/config/inputs.js'
import { designs } from './designs.js'
import { pipeline, spanStoreArg } from './pipeline.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const fixtureDir = path.join(root, 'fixtures/http-service')
const FIXTURE = 'node --import ./tracing.mjs server.mjs'

interface Options {
  only: Set<string>
  runs: number
  powerRuns: number
  rounds: number
  noiseRounds: number
  roundDurations: number[]
  roundDuration: number
  /** `warmup-duration` of the gate runs: seconds or 'auto'. */
  warmup: number | 'auto'
  connections: number
  quick: boolean
  /** Round designs of the noise matrix. */
  designs: string[]
  /** `sampling-rates` of the noise runs: '0.01' (three services per block) or 'none' (the A/A pair alone). */
  noiseRates: string
  /** Injected regression (fraction) and budget (percent) of each power case. */
  powerCases: [number, number][]
  /** Injected CPU per request (µs) for the power runs: skips the calibration search. */
  extraCpuUs: number | undefined
  /** `processes-per-arm` of every gate run (default: the action's). */
  processesPerArm: number
}

/** The gate's own default of an input (the bench's "defaults" are the action's, not numbers of its own). */
function gateDefault(name: string): number {
  const spec = INPUT_SPECS.find((s) => s.name === name)
  const v = Number(spec?.default)
  if (spec === undefined || !Number.isFinite(v)) throw new Error(`no numeric default for input '${name}'`)
  return v
}

/** `--warmup auto` or seconds. */
function warmupOption(v: string | undefined): number | 'auto' {
  if (v === 'auto') return 'auto'
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--warmup must be 'auto' or seconds, got '${String(v)}'`)
  return n
}

function parseArgs(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const quick = argv.includes('--quick')
  return {
    quick,
    only: new Set((get('only') ?? 'noise,false-alarm,power,generator,overhead').split(',')),
    runs: Number(get('runs') ?? (quick ? 2 : 20)),
    powerRuns: Number(get('power-runs') ?? (quick ? 2 : 10)),
    rounds: Number(get('rounds') ?? gateDefault(Inputs.Rounds)),
    noiseRounds: Number(get('noise-rounds') ?? (quick ? 8 : 16)),
    roundDurations: (get('round-durations') ?? (quick ? '1' : '2,5')).split(',').map(Number),
    // The action's `auto` for its default design.
    roundDuration: Number(get('round-duration') ?? (quick ? 1 : AUTO_ROUND_DURATION_SEC.alternating)),
    warmup: warmupOption(
      get('warmup') ?? (quick ? '0.5' : INPUT_SPECS.find((s) => s.name === Inputs.WarmupDuration)?.default)
    ),
    connections: Number(get('connections') ?? gateDefault(Inputs.Connections)),
    designs: (get('designs') ?? 'alternating,side-by-side,sequential').split(','),
    noiseRates: get('noise-rates') ?? '0.01',
    // `--power-cases 0.1:5,0.05:2`: a 10 % regression vs a 5 % budget, a 5 % one vs 2 %.
    powerCases: (get('power-cases') ?? '0.1:5,0.05:2')
      .split(',')
      .map((c) => c.split(':').map(Number) as [number, number]),
    extraCpuUs: get('extra-cpu-us') === undefined ? undefined : Number(get('extra-cpu-us')),
    processesPerArm: Number(get('processes-per-arm') ?? gateDefault(Inputs.ProcessesPerArm))
  }
}

const log = (m: string): void => void process.stderr.write(`${m}\n`)

/** An A/A or A/B same-job gate run on the fixture: base = plain fixture, head = fixture + `headPrefix`. */
async function regressionRun(
  o: Options,
  roundDuration: number,
  headEnv: string,
  budgetPct: string,
  extra: RawInputs = {}
): Promise<GateRun> {
  const config = parseConfig({
    'start-command': `${headEnv} ${FIXTURE}`.trim(),
    'working-directory': fixtureDir,
    'base-start-command': FIXTURE,
    'base-working-directory': fixtureDir,
    'sampling-rates': 'none',
    'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
    'ready-url': 'http://127.0.0.1:{port}/healthz',
    rounds: String(o.rounds),
    'round-duration': String(roundDuration),
    'warmup-duration': String(o.warmup),
    connections: String(o.connections),
    'processes-per-arm': String(o.processesPerArm),
    'max-qps-regression': budgetPct,
    'max-p99-regression': 'none',
    'output-dir': path.join(os.tmpdir(), 'otlp-perf-gate-bench'),
    ...extra
  })
  try {
    return await runEngine(config, { warn: log })
  } finally {
    await killAllServices()
  }
}

function sd(xs: number[]): number {
  return meanSd(xs).sd
}

function regression(run: GateRun, metric: MetricName): Comparison | undefined {
  return run.comparisons.find((c) => c.kind === 'regression' && c.metric === metric)
}

/** One row of the noise history: an A/A run's per-block SDs for one design and block length. */
interface NoiseRow {
  date: string
  host: string
  cpuModel: string
  design: string
  roundDurationSec: number
  /** Warm-up seconds per round (rows before 2026-11-30T03:00 lack it: they used 2 s). */
  warmupSec?: number | 'auto'
  /** Services loaded at once per block: 3 (A/A pair + a 1 % traced arm) or 2 (the A/A pair alone); rows without it: 3. */
  services?: number
  blocks: number
  /** SD of ln(head off / base off) per block: identical builds, the A/A noise. */
  sd_qps: number | null
  sd_p99: number | null
  sd_cpu: number | null
  /** SD of ln(on@0.01 / off) per block: traced vs off, which also carries the traced service's own process-to-process spread. */
  sd_traced_qps: number | null
  /**
   * 1.4826 × MAD of the A/A QPS log-ratios: the SD the body of the blocks would have without the odd
   * block whose service came out several percent slower (rows from 2026-11-30T06:47 on).
   */
  robust_sd_qps?: number | null
  /** Mean traced QPS overhead at 1 %, for the record. */
  traced_qps_overhead: number | null
  wallSec: number
  /** How the arms' windows were timed (rows without it: {@link OLD_TIMING}). */
  timing?: string
  /**
   * Per block, per arm: QPS, start slot and CPU share of the measured phase (rows after 2026-11-30T05:30),
   * so a noisy run can be taken apart later (one block's burst, a slot or start-order effect, a trend).
   */
  perBlock?: Array<
    Record<string, { qps: number; slot: number | null; cpu: number | null; okPerSec?: number[]; replicaQps?: number[] }>
  >
  /** `processes-per-arm` (rows without it: 1): each arm's block result is the sum of this many processes. */
  processesPerArm?: number
  /** `connections` per arm (rows without it: 50; the two rows of 14:54 and 14:57 UTC on 2026-11-30 had 100, added by hand from the command run). */
  connections?: number
}

const HISTORY = 'noise-history.jsonl'

/**
 * How the arms of a block were timed, named in every row so series under different timings are never
 * pooled: since 2026-11-30 06:30 UTC one measured window shared by the arms of a block (src/load/window.ts);
 * rows without it: each arm timed its own warm-up and measured phase.
 */
const TIMING = 'shared window'
const OLD_TIMING = 'each arm its own'

function sdOf(run: GateRun, arm: string, ref: string, metric: MetricName): number | null {
  try {
    const d = pairedLogRatios(run.rounds, arm, ref, metric)
    return d.length > 1 ? sd(d) : null
  } catch {
    return null
  }
}

function robustSdOf(run: GateRun, arm: string, ref: string, metric: MetricName): number | null {
  try {
    const d = pairedLogRatios(run.rounds, arm, ref, metric)
    return d.length > 2 ? 1.4826 * medianAbsoluteDeviation(d) : null
  } catch {
    return null
  }
}

/** Each block's arms: QPS (rounded), slot, the service's CPU over the measured phase in cores, and 2xx per second of the window. */
function perBlockOf(run: GateRun): NonNullable<NoiseRow['perBlock']> {
  const blocks: NonNullable<NoiseRow['perBlock']> = []
  for (const r of run.rounds) {
    blocks[r.block] ??= {}
    const cpu = r.resources !== undefined && r.load.durationSec > 0 ? r.resources.cpuSeconds / r.load.durationSec : null
    blocks[r.block][r.armId] = {
      qps: Math.round(r.load.qps),
      slot: r.slot ?? null,
      cpu: cpu === null ? null : Math.round(cpu * 1000) / 1000,
      ...(r.load.okPerSecond !== undefined ? { okPerSec: r.load.okPerSecond } : {}),
      ...(r.replicas !== undefined ? { replicaQps: r.replicas.map((x) => Math.round(x.qps)) } : {})
    }
  }
  return blocks
}

/**
 * The A/A matrix: for each round design × block length one same-job run of identical builds (head =
 * base) with a 1 % traced arm, `--noise-rounds` blocks in one look; per-block SDs appended to
 * bench/results/noise-history.jsonl with the time and the machine, so noise is judged over many runs
 * at different hours, never one.
 */
async function noise(o: Options): Promise<NoiseRow[]> {
  const rows: NoiseRow[] = []
  for (const dur of o.roundDurations) {
    for (const design of o.designs) {
      const run = await regressionRun({ ...o, rounds: o.noiseRounds }, dur, '', '5', {
        'round-design': design,
        'sampling-rates': o.noiseRates,
        'max-qps-overhead': 'none',
        'max-p99-overhead': 'none',
        'max-rounds': String(o.noiseRounds)
      })
      const traced = run.comparisons.find(
        (c) => c.kind === 'overhead' && c.armId === 'on@0.01' && c.metric === 'qps' && c.phase === undefined
      )
      const row: NoiseRow = {
        date: new Date().toISOString(),
        host: os.hostname(),
        cpuModel: machineInfo().cpuModel,
        design,
        roundDurationSec: dur,
        warmupSec: o.warmup,
        services: o.noiseRates === 'none' ? 2 : 3,
        blocks: o.noiseRounds,
        sd_qps: sdOf(run, 'off', 'base/off', 'qps'),
        sd_p99: sdOf(run, 'off', 'base/off', 'p99'),
        sd_cpu: sdOf(run, 'off', 'base/off', 'cpu'),
        sd_traced_qps: sdOf(run, 'on@0.01', 'off', 'qps'),
        robust_sd_qps: robustSdOf(run, 'off', 'base/off', 'qps'),
        traced_qps_overhead: traced?.overhead ?? null,
        wallSec: run.wallSec,
        timing: TIMING,
        perBlock: perBlockOf(run),
        processesPerArm: o.processesPerArm,
        connections: o.connections
      }
      log(`noise: ${JSON.stringify(row)}`)
      fs.appendFileSync(path.join(root, 'bench/results', HISTORY), `${JSON.stringify(row)}\n`)
      rows.push(row)
    }
  }
  return rows
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  const i = (sorted.length - 1) * q
  const lo = Math.floor(i)
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (i - lo)
}

/** The history summarised per design × block length: runs, hours spanned, median and 90th percentile of each SD. */
export function noiseSummary(rows: readonly NoiseRow[]): string {
  const keyOf = (r: NoiseRow): string =>
    [
      r.timing ?? OLD_TIMING,
      r.design,
      r.roundDurationSec,
      r.warmupSec ?? 2,
      r.services ?? 3,
      `${r.processesPerArm ?? 1}${(r.connections ?? 50) !== 50 ? ` (c=${r.connections})` : ''}`
    ].join('|')
  const groups = new Map<string, NoiseRow[]>()
  for (const r of rows) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r])
  const lines = [
    '| timing | design | warm-up + block | services per block | processes per arm | runs | first … last run (UTC) | SD QPS median | SD QPS p90 | robust SD QPS median | SD P99 median | SD CPU/req median | SD traced 1 % vs off median |',
    '| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const [key, rs] of [...groups].sort()) {
    const [timing, design, dur, warm, services, perArm] = key.split('|')
    const col = (k: keyof NoiseRow): number[] =>
      rs
        .map((r) => r[k])
        .filter((x): x is number => typeof x === 'number')
        .sort((a, b) => a - b)
    const dates = rs.map((r) => r.date).sort()
    lines.push(
      `| ${timing} | ${design} | ${warm} + ${dur} s | ${services} | ${perArm} | ${rs.length} | ${dates[0].slice(0, 16)} … ${dates[dates.length - 1].slice(0, 16)} | ${pct(quantile(col('sd_qps'), 0.5))} | ${pct(quantile(col('sd_qps'), 0.9))} | ${pct(quantile(col('robust_sd_qps'), 0.5))} | ` +
        `${pct(quantile(col('sd_p99'), 0.5))} | ${pct(quantile(col('sd_cpu'), 0.5))} | ${pct(quantile(col('sd_traced_qps'), 0.5))} |`
    )
  }
  return lines.join('\n') + '\n'
}

/** Every row of a bench/results JSON-lines history (none when the file does not exist yet). */
function readRows<T>(name: string): T[] {
  const file = path.join(root, 'bench/results', name)
  if (!fs.existsSync(file)) return []
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T)
}

/** Rewrite bench/results/noise-history.md from the whole history file. */
function writeNoiseSummary(): string {
  const rows = readRows<NoiseRow>(HISTORY)
  const md = `# A/A noise history\n\nEvery \`npm run bench -- --only noise\` run appends its rows to ${HISTORY}; this table is rebuilt from all of them.\n\n${noiseSummary(rows)}`
  fs.writeFileSync(path.join(root, 'bench/results/noise-history.md'), md)
  return md
}

/** One full gate run of the false-alarm or power series, appended to defaults-history.jsonl. */
interface GateRunRow {
  date: string
  host: string
  cpuModel: string
  /** 'aa': identical builds; 'power': head carries an injected CPU cost. */
  kind: 'aa' | 'power'
  design: string
  rounds: number
  roundDurationSec: number
  warmupSec: number | 'auto'
  budgetPct: number
  /** Injected busy CPU per request (µs), 0 for A/A; its target effect (fraction) for power runs. */
  injectedUs: number
  targetEffect: number
  decision: string
  overhead: number
  ciLow: number
  ciHigh: number
  /** Blocks run, and why the looks stopped there. */
  blocks: number
  stoppedBecause: string
  /** Per-block SD of the QPS log-ratio in this run. */
  sdQps: number
  /** The decision rule the run was decided with (rows without it: before b842025, the trimmed t alone). */
  rule?: string
  /** The per-block QPS log-ratios ln(head/base), so a series can be re-decided offline under another rule. */
  logRatios: number[]
  wallSec: number
  /** How the arms' windows were timed (rows without it: {@link OLD_TIMING}). */
  timing?: string
  /** The gate's `time-budget` (rows without it: {@link OLD_TIME_BUDGET} s, the default before looks were cut to fit). */
  timeBudgetSec?: number
  /** Blocks at each look taken. */
  looks?: number[]
  /** `processes-per-arm` (rows without it: 1). */
  processesPerArm?: number
  /**
   * Blocks per boot of the run (rows without it: one fresh boot per block); `widening`: the factor the
   * process offset of kept boots put on the interval (analysis/boots.ts).
   */
  bootBlocks?: number[]
  bootWidening?: number
  /** The run's pace (LooksInfo.pace: s before the blocks, per block, per boot and warm block); absent before it. */
  pace?: LooksInfo['pace']
  /** An INCONCLUSIVE run: the blocks that would have decided it (Comparison.toDecide); absent before it. */
  toDecide?: Comparison['toDecide']
}

/** The `time-budget` default when rows did not record it. */
const OLD_TIME_BUDGET = 360

const RUN_HISTORY = 'defaults-history.jsonl'

/** The shipped decision rule, named in every run row so series decided under different rules are never pooled. */
const RULE = 'trimmed t lifted by bootstrap-t'
const OLD_RULE = 'trimmed t alone'

function recordGateRun(
  o: Options,
  run: GateRun,
  kind: GateRunRow['kind'],
  budgetPct: number,
  injectedUs: number,
  targetEffect: number
): GateRunRow {
  const c = regression(run, 'qps') as Comparison
  const row: GateRunRow = {
    date: new Date().toISOString(),
    host: os.hostname(),
    cpuModel: machineInfo().cpuModel,
    kind,
    design: run.design.startsWith('sequential')
      ? 'sequential'
      : run.design.startsWith('alternating')
        ? 'alternating'
        : 'side-by-side',
    rounds: o.rounds,
    roundDurationSec: o.roundDuration,
    warmupSec: o.warmup,
    budgetPct,
    injectedUs,
    targetEffect,
    decision: c.decision ?? 'reported',
    overhead: c.overhead,
    ciLow: c.ciLow,
    ciHigh: c.ciHigh,
    blocks: run.looks.blocks[run.looks.blocks.length - 1] ?? run.plan.blocks,
    stoppedBecause: run.looks.stoppedBecause,
    sdQps: sd(c.logRatios),
    rule: RULE,
    logRatios: [...c.logRatios],
    wallSec: run.wallSec,
    timing: TIMING,
    timeBudgetSec: gateDefault(Inputs.TimeBudget),
    looks: [...run.looks.blocks],
    processesPerArm: o.processesPerArm,
    bootBlocks: c.boots?.blocks ?? [],
    bootWidening: c.boots?.widening ?? 1,
    ...(run.looks.pace !== undefined ? { pace: run.looks.pace } : {}),
    ...(c.toDecide !== undefined ? { toDecide: c.toDecide } : {})
  }
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true })
  fs.appendFileSync(path.join(root, 'bench/results', RUN_HISTORY), `${JSON.stringify(row)}\n`)
  return row
}

/**
 * How a run's processes lived: fresh every block (rows without boots), kept from one look to the next (as many
 * boots as looks: `blocks-per-boot: auto` before bootLength), or kept a few blocks per boot (more boots than looks).
 */
function lifecycle(r: GateRunRow): string {
  const boots = r.bootBlocks ?? []
  if (!boots.some((n) => n > 1)) return ''
  return boots.length <= (r.looks ?? []).length
    ? ', processes kept from look to look'
    : ', processes kept a few blocks per boot'
}

/** The false-alarm and power series summarised per setting: runs, FAILs, hours spanned, typical wall time. */
export function gateRunSummary(rows: readonly GateRunRow[]): string {
  const groups = new Map<string, GateRunRow[]>()
  for (const r of rows) {
    const key = [
      r.kind,
      r.timing ?? OLD_TIMING,
      r.design,
      r.rounds,
      r.roundDurationSec,
      r.warmupSec,
      r.budgetPct,
      r.injectedUs,
      r.rule ?? OLD_RULE,
      r.timeBudgetSec ?? OLD_TIME_BUDGET,
      r.processesPerArm ?? 1,
      lifecycle(r)
    ].join('|')
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  const lines = [
    '| series | rule | timing | design | blocks × (warm-up + measured) | time budget | budget | runs | FAIL | INCONCLUSIVE | first … last run (UTC) | mean measured overhead | median per-block SD | median blocks run | median wall | longest wall |',
    '| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const rs of [...groups.values()].sort((a, b) => a[0].date.localeCompare(b[0].date))) {
    const r0 = rs[0]
    const count = (d: string): number => rs.filter((r) => r.decision === d).length
    const dates = rs.map((r) => r.date).sort()
    const med = (xs: number[]): number =>
      quantile(
        [...xs].sort((a, b) => a - b),
        0.5
      )
    const series =
      r0.kind === 'aa' ? 'A/A (identical builds)' : `injected ${pct(r0.targetEffect)} (${r0.injectedUs} µs/request)`
    lines.push(
      `| ${series} | ${r0.rule ?? OLD_RULE} | ${r0.timing ?? OLD_TIMING} | ${r0.design}${(r0.processesPerArm ?? 1) > 1 ? `, ${r0.processesPerArm} processes per arm` : ''}${lifecycle(r0)} | ${r0.rounds} × (${r0.warmupSec} + ${r0.roundDurationSec} s) | ${r0.timeBudgetSec ?? OLD_TIME_BUDGET} s | ${r0.budgetPct} % | ${rs.length} | ${count('fail')} | ${count('inconclusive')} | ` +
        `${dates[0].slice(0, 16)} … ${dates[dates.length - 1].slice(0, 16)} | ${pct(rs.reduce((a, r) => a + r.overhead, 0) / rs.length)} | ${pct(med(rs.map((r) => r.sdQps)))} | ${med(rs.map((r) => r.blocks))} | ${med(rs.map((r) => r.wallSec)).toFixed(0)} s | ${Math.max(...rs.map((r) => r.wallSec)).toFixed(0)} s |`
    )
  }
  return lines.join('\n') + '\n'
}

/** Rewrite bench/results/defaults-history.md from the whole run history. */
function writeGateRunSummary(): string {
  const rows = readRows<GateRunRow>(RUN_HISTORY)
  const md =
    `# False alarms and power at the defaults, run by run\n\nEvery \`npm run bench -- --only false-alarm\` / \`--only power\` gate run appends a row to ${RUN_HISTORY} ` +
    `(settings, decision, measured overhead, blocks run, wall time); this table is rebuilt from all of them, so series measured in several sittings add up.\n\n${gateRunSummary(rows)}`
  fs.writeFileSync(path.join(root, 'bench/results/defaults-history.md'), md)
  return md
}

/** Identical builds, repeated full gate runs: fraction that FAIL at the default budget and at budget 0. */
async function falseAlarm(o: Options): Promise<Record<string, unknown>> {
  let failDefault = 0
  let failZero = 0
  const sds: number[] = []
  for (let i = 0; i < o.runs; i++) {
    const run = await regressionRun(o, o.roundDuration, '', '5')
    const row = recordGateRun(o, run, 'aa', 5, 0, 0)
    if (row.decision === 'fail') failDefault++
    // Budget 0 = "any slowdown at all": the same data against the strictest budget.
    if (row.ciLow > 0) failZero++
    sds.push(row.sdQps)
    log(
      `false alarm ${i + 1}/${o.runs}: decision ${row.decision}, overhead ${(row.overhead * 100).toFixed(2)}%, CI low ${(row.ciLow * 100).toFixed(2)}%, ${row.blocks} blocks, ${row.wallSec.toFixed(0)} s`
    )
  }
  writeGateRunSummary()
  return {
    runs: o.runs,
    failAtDefaultBudget5pct: failDefault / o.runs,
    ciExcludesZero: failZero / o.runs,
    meanSdQps: sds.reduce((a, b) => a + b, 0) / sds.length
  }
}

/** Fixture cost (µs of busy CPU per request) that lowers QPS by about `target`, found by a short search. */
async function calibrate(o: Options, target: number): Promise<number> {
  let us = 10
  let best = { us, err: Infinity }
  for (let i = 0; i < 4; i++) {
    const run = await regressionRun({ ...o, rounds: 5 }, o.roundDuration, `FIXTURE_EXTRA_CPU_US=${us}`, 'none', {
      'max-p99-regression': 'none',
      'max-qps-regression': 'none'
    })
    const got = (regression(run, 'qps') as Comparison).overhead
    log(`calibrate ${target * 100}%: ${us} µs → ${(got * 100).toFixed(1)}%`)
    if (Math.abs(got - target) < best.err) best = { us, err: Math.abs(got - target) }
    if (Math.abs(got - target) < target * 0.15 || got <= 0) break
    us = Math.max(1, Math.round((us * target) / got))
  }
  return best.us
}

async function power(o: Options): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = []
  for (const [effect, budget] of o.powerCases) {
    const us = o.extraCpuUs ?? (await calibrate(o, effect))
    let fails = 0
    const measured: number[] = []
    for (let i = 0; i < o.powerRuns; i++) {
      const run = await regressionRun(o, o.roundDuration, `FIXTURE_EXTRA_CPU_US=${us}`, String(budget))
      const row = recordGateRun(o, run, 'power', budget, us, effect)
      if (row.decision === 'fail') fails++
      measured.push(row.overhead)
      log(
        `power ${effect * 100}% vs ${budget}%: run ${i + 1}: ${(row.overhead * 100).toFixed(1)}% → ${row.decision}, ${row.blocks} blocks, ${row.wallSec.toFixed(0)} s`
      )
    }
    rows.push({
      injectedUs: us,
      targetEffect: effect,
      measuredMeanEffect: measured.reduce((a, b) => a + b, 0) / measured.length,
      budget: budget / 100,
      runs: o.powerRuns,
      power: fails / o.powerRuns
    })
  }
  writeGateRunSummary()
  return rows
}

/** The gate's autocannon runner vs wrk against the same plain server, both pinned like the gate. */
async function generator(o: Options): Promise<Record<string, unknown>> {
  const port = await findFreePort()
  const server = spawn(
    'taskset',
    ['-c', '0', process.execPath, '-e', `require('http').createServer((q,s)=>s.end('ok')).listen(${port},'127.0.0.1')`],
    {
      stdio: 'ignore'
    }
  )
  try {
    await new Promise((r) => setTimeout(r, 500))
    const url = `http://127.0.0.1:${port}/`
    const pinning = await planPinning('auto')
    const unpin = await pinning.pinSelf()
    const ours = await runLoad({ url, connections: o.connections, warmupSec: 1, durationSec: 5, timeoutSec: 10 })
    await unpin()
    const wrkPath = spawnSync('sh', ['-c', 'command -v wrk']).stdout.toString().trim()
    if (!wrkPath) return { ours: ours.qps, wrk: null, ratio: null, note: 'wrk not installed (apt-get install wrk)' }
    const w = spawnSync('taskset', ['-c', pinning.loadCpus || '0', 'wrk', '-t1', `-c${o.connections}`, '-d5s', url], {
      encoding: 'utf8'
    })
    const m = /Requests\/sec:\s+([\d.]+)/.exec(w.stdout)
    const wrk = m ? Number(m[1]) : NaN
    log(`generator: autocannon runner ${ours.qps.toFixed(0)} rps, wrk ${wrk.toFixed(0)} rps`)
    return { ours: ours.qps, wrk, ratio: ours.qps / wrk }
  } finally {
    server.kill('SIGKILL')
  }
}

/** Wall time of a gate run beyond its measured phases, per round. */
async function overhead(o: Options): Promise<Record<string, unknown>> {
  const run = await regressionRun({ ...o, rounds: 3 }, o.roundDuration, '', 'none', { 'max-p99-regression': 'none' })
  const rounds = run.rounds.length
  const warm = run.rounds.reduce((a, r) => a + r.warmup.durationSec, 0)
  return {
    rounds,
    wallSec: run.wallSec,
    measuredSec: run.measuredSec,
    warmupSec: warm,
    overheadPerRoundSec: (run.wallSec - run.measuredSec - warm) / rounds
  }
}

/** The Go fixtures built by scripts/fixtures/setup.mjs (npm test or `node scripts/fixtures/setup.mjs go`). */
function goFixtures(): Record<string, string> {
  const file = path.join(root, 'node_modules/.cache/otlp-perf-gate/fixtures/go.json')
  const status = fs.existsSync(file)
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)
    : { ok: false }
  if (status.ok !== true)
    throw new Error(
      `the Go fixtures are not built: run 'node scripts/fixtures/setup.mjs go' first (${file}: ${JSON.stringify(status)})`
    )
  return status as Record<string, string>
}

const RATES = '0,0.001,0.01,0.1,1'

/**
 * The reference report's table, reproduced: the Gin and native gRPC fixtures (Go SDK) at sampling
 * 0 / 0.1 / 1 / 10 / 100 %, one gate run each, sequential rounds so QPS, CPU and memory are each
 * service's own on the whole machine (as the report measured them); overhead with its interval.
 */
async function table(o: Options): Promise<Record<string, unknown>[]> {
  const go = goFixtures()
  const fixtures: [string, RawInputs][] = [
    [
      'Gin (otelgin)',
      {
        'start-command': go.gin,
        'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
        'ready-url': 'http://127.0.0.1:{port}/healthz'
      }
    ],
    [
      'native gRPC (otelgrpc)',
      {
        'start-command': go.grpc,
        'working-directory': path.join(root, 'fixtures/grpc-service'),
        'grpc-proto': 'user.proto',
        'grpc-method': 'user.UserService/GetUser',
        'grpc-request': '{"user_id":"123"}',
        'otlp-protocol': 'grpc'
      }
    ]
  ]
  const out: Record<string, unknown>[] = []
  for (const [name, inputs] of fixtures) {
    const config = parseConfig({
      'working-directory': root,
      ...inputs,
      'sampling-rates': RATES,
      rounds: String(o.rounds),
      'max-rounds': String(o.rounds),
      'round-duration': String(o.roundDuration),
      'warmup-duration': String(o.warmup),
      connections: String(o.connections),
      'round-design': 'sequential',
      'max-qps-overhead': 'none',
      'max-p99-overhead': 'none',
      'output-dir': path.join(os.tmpdir(), 'otlp-perf-gate-bench-table')
    })
    let run: GateRun
    try {
      run = await runEngine(config, { warn: log })
    } finally {
      await killAllServices()
    }
    const arms = summariseArms(run.plan.arms, run.rounds)
    for (const a of arms) {
      const q = run.comparisons.find(
        (c) => c.kind === 'overhead' && c.armId === a.armId && c.metric === 'qps' && c.phase === undefined
      )
      const p = run.comparisons.find(
        (c) => c.kind === 'overhead' && c.armId === a.armId && c.metric === 'p99' && c.phase === undefined
      )
      out.push({
        service: name,
        arm: a.armId,
        samplingRate: a.samplingRate,
        qps: a.qps,
        p50Ms: a.p50Us / 1000,
        p95Ms: a.p95Us / 1000,
        p99Ms: a.p99Us / 1000,
        cpuAvgPct: a.resources?.cpuPctAvg,
        cpuPeakPct: a.resources?.cpuPctPeak,
        memAvgMiB: (a.resources?.rssAvgBytes ?? NaN) / 2 ** 20,
        memPeakMiB: (a.resources?.rssPeakBytes ?? NaN) / 2 ** 20,
        qpsOverhead: q?.overhead,
        qpsCi: q ? [q.ciLow, q.ciHigh] : null,
        p99Overhead: p?.overhead,
        storageMBPerHour: a.storageMBPerHour,
        spansPerRequest: a.spansPerRequest,
        blocks: run.plan.blocks
      })
    }
  }
  return out
}

function tableMarkdown(rows: Record<string, any>[]): string {
  const f = (x: unknown, d = 1): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a')
  const lines = [
    '| Service | Sampling | QPS | P50 ms | P95 ms | P99 ms | CPU avg / peak % | Mem avg / peak MiB | QPS overhead (95% CI) | P99 overhead | Storage MB/h |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const r of rows) {
    const rate = r.samplingRate === null ? 'off' : `${Number((r.samplingRate * 100).toPrecision(6))}%`
    const oh = r.qpsOverhead === undefined ? '—' : `${pct(r.qpsOverhead)} (${pct(r.qpsCi[0])} … ${pct(r.qpsCi[1])})`
    lines.push(
      `| ${r.service} | ${rate} | ${Math.round(r.qps)} | ${f(r.p50Ms, 2)} | ${f(r.p95Ms, 2)} | ${f(r.p99Ms, 2)} | ${f(r.cpuAvgPct, 0)} / ${f(r.cpuPeakPct, 0)} | ${f(r.memAvgMiB)} / ${f(r.memPeakMiB)} | ${oh} | ${r.p99Overhead === undefined ? '—' : pct(r.p99Overhead)} | ${f(r.storageMBPerHour)} |`
    )
  }
  return lines.join('\n') + '\n'
}

function pct(x: unknown): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a'
}

function markdown(r: Record<string, any>): string {
  const lines = [`Measured ${r.date} on ${r.machine.cpuModel}, ${r.machine.cores} cores, Node ${r.machine.node}.`, '']
  if (r.noise) {
    lines.push('This run, per-block SD of the log-ratio (A/A: head off vs base off; traced: on@1% vs off):', '')
    lines.push(
      '| Design | Block | SD QPS | SD P99 | SD CPU/req | SD traced QPS |',
      '| --- | ---: | ---: | ---: | ---: | ---: |'
    )
    for (const n of r.noise)
      lines.push(
        `| ${n.design} | ${n.roundDurationSec} s | ${pct(n.sd_qps)} | ${pct(n.sd_p99)} | ${pct(n.sd_cpu)} | ${pct(n.sd_traced_qps)} |`
      )
    lines.push('')
  }
  if (r.falseAlarm) {
    lines.push(
      `A/A false alarms over ${r.falseAlarm.runs} full gate runs (${r.options.rounds} blocks, ${r.options.roundDuration} s rounds): ` +
        `${pct(r.falseAlarm.failAtDefaultBudget5pct)} FAIL at a 5% budget; ${pct(r.falseAlarm.ciExcludesZero)} with a CI excluding 0 (expected ≤ 2.5%).`,
      ''
    )
  }
  if (r.power) {
    for (const p of r.power) {
      lines.push(
        `Power: injected ${pct(p.measuredMeanEffect)} (${p.injectedUs} µs/request) vs a ${pct(p.budget)} budget → FAIL in ${pct(p.power)} of ${p.runs} runs.`
      )
    }
    lines.push('')
  }
  if (r.generator)
    lines.push(
      `Load generator: ${Math.round(r.generator.ours)} rps vs wrk ${Math.round(r.generator.wrk)} rps (ratio ${r.generator.ratio?.toFixed(2)}).`,
      ''
    )
  if (r.overhead)
    lines.push(
      `Gate overhead beyond measuring and warm-up: ${r.overhead.overheadPerRoundSec.toFixed(2)} s per round (boot, readiness, stop, flush).`,
      ''
    )
  return lines.join('\n')
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2))
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    options: { ...o, only: [...o.only] }
  }
  if (o.only.has('generator')) result.generator = await generator(o)
  if (o.only.has('overhead')) result.overhead = await overhead(o)
  if (o.only.has('noise')) {
    fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true })
    result.noise = await noise(o)
    writeNoiseSummary()
  }
  if (o.only.has('noise-summary')) process.stdout.write(writeNoiseSummary())
  if (o.only.has('runs-summary')) process.stdout.write(writeGateRunSummary())
  if (o.only.has('table')) {
    const rows = await table(o)
    result.table = rows
    const md = `# The reference report's table, reproduced (\`npm run bench -- --only table\`)\n\nMeasured ${String(result.date)} on ${machineInfo().cpuModel}, ${machineInfo().cores} cores; ${o.rounds} blocks of ${o.roundDuration} s (+${o.warmup} s warm-up), ${o.connections} connections, sequential rounds, loopback.\n\n${tableMarkdown(rows)}`
    fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true })
    fs.writeFileSync(path.join(root, 'bench/results/table.md'), md)
    process.stdout.write(md)
  }
  if (o.only.has('designs')) {
    const a = process.argv.slice(2)
    const arg = (n: string, d: string): string[] =>
      (a.includes(`--${n}`) ? (a[a.indexOf(`--${n}`) + 1] as string) : d).split(',')
    result.designs = await designs(
      root,
      {
        fixtures: arg('fixtures', 'node,gin,java,python'),
        rates: arg('rates', '0.01,1'),
        designs: o.designs,
        rounds: o.rounds,
        defaults: a.includes('--defaults'),
        ratesGiven: a.includes('--rates'),
        extra: {
          ...(a.includes('--round-duration') ? { 'round-duration': String(o.roundDuration) } : {}),
          ...(a.includes('--warmup') ? { 'warmup-duration': String(o.warmup) } : {}),
          ...(a.includes('--time-budget') ? { 'time-budget': arg('time-budget', '')[0] } : {}),
          ...(a.includes('--blocks-per-boot') ? { 'blocks-per-boot': arg('blocks-per-boot', '')[0] } : {}),
          // `--service-env A=1,B=2`: the gate's `env` input (one KEY=VALUE per line), e.g. exporter knobs.
          ...(a.includes('--service-env') ? { env: arg('service-env', '').join('\n') } : {}),
          // `--start-command 'node --min-semi-space-size=16 …'`: the fixture's command with runtime flags (arg() splits
          // at commas; joined back, the command is the one given).
          ...(a.includes('--start-command') ? { 'start-command': arg('start-command', '').join(',') } : {})
        }
      },
      log
    )
  }
  if (o.only.has('pipeline')) result.pipeline = await pipeline(root, o.rounds, log, spanStoreArg(process.argv.slice(2)))
  if (o.only.has('false-alarm')) result.falseAlarm = await falseAlarm(o)
  if (o.only.has('power')) result.power = await power(o)
  const dir = path.join(root, 'bench/results')
  fs.mkdirSync(dir, { recursive: true })
  const outIdx = process.argv.indexOf('--out')
  // designs, pipeline and table keep their own rows (designs.jsonl, pipeline.jsonl, table.md): a run of only
  // those must not overwrite latest.*, which holds the accuracy tables docs/accuracy.md quotes.
  if (!o.quick && outIdx < 0 && [...o.only].every((s) => OWN_RESULTS.has(s))) {
    process.stdout.write(markdown(result))
    return
  }
  const name = o.quick ? 'quick' : outIdx > 0 ? process.argv[outIdx + 1] : 'latest'
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`)
  fs.writeFileSync(path.join(dir, `${name}.md`), markdown(result))
  process.stdout.write(markdown(result))
}

/** Scenarios whose rows go to their own files in bench/results. */
const OWN_RESULTS = new Set(['designs', 'pipeline', 'table'])

main()
  .catch((e) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`)
    process.exitCode = 1
  })
  .finally(() => killAllServices().then(() => process.exit()))
