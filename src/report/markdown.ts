import { markdownTable } from 'markdown-table'
import type { Comparison, MetricName, LooksInfo, Verdict } from '../types.js'
import { summariseArms, type ArmSummary } from '../results/summary.js'
import {
  ciText,
  codeBlock,
  codeSpan,
  decisionText,
  escapeMarkdown,
  fmtBytes,
  fmtInt,
  fmtMBh,
  fmtMs,
  fmtP,
  fmtConfidence,
  fmtPct,
  METRIC_NAME,
  KIND_NAME,
  significance,
  uncertainty
} from '../format.js'

// The formatters live in format.ts; re-exported for callers that read them from the report module.
export {
  ciText,
  codeBlock,
  codeSpan,
  decisionText,
  escapeMarkdown,
  fmtInt,
  fmtMs,
  fmtP,
  fmtPct,
  neutraliseComments,
  significance
} from '../format.js'
import { renderChart } from './chart.js'
import type { ResultsFile } from '../results/results.js'
import { serviceStopWarnings } from './warnings.js'
import { loadLevelsSection, openLoopSection, spikeSection } from './scenarios.js'
import { decompositionSection } from './decomposition.js'
import { collectorSection } from './collector.js'
import { comparisonTitle } from '../analysis/reasons.js'
import { budgetForBlocks } from '../plan/time-budget.js'
import { coRunnerNote, designNote, sharedCoreLines } from './shared-core.js'
import { warmupLines } from './warmup.js'
import { runnersSection } from './runners.js'
import type { MergedRun } from '../results/measured.js'

/**
 * Everything the report shows; plain data so the renderer stays a pure function. A view of the results
 * record (results/results.ts ResultsFile): its fields are the record's, the plan's flattened, the timing's
 * two durations, the git context renamed `provenance` (headSha for sha).
 */
export interface ReportInput
  extends
    Pick<
      ResultsFile,
      | 'verdict'
      | 'failCheck'
      | 'reasons'
      | 'error'
      | 'rounds'
      | 'comparisons'
      | 'machine'
      | 'pinning'
      | 'openLoop'
      | 'spike'
      | 'serviceStops'
      | 'caps'
      | 'design'
      | 'looks'
    >,
    Partial<Pick<ResultsFile, 'baseline'>>,
    Pick<ResultsFile['plan'], 'arms' | 'referenceArmId' | 'seed' | 'blocks'>,
    Pick<ResultsFile['timing'], 'wallSec' | 'measuredSec'> {
  /** The run's settings as the results file records them (the command, rates and block count are shown elsewhere). */
  settings: Omit<ResultsFile['settings'], 'startCommand' | 'samplingRates' | 'rounds' | 'openLoopRate'> &
    Partial<Pick<ResultsFile['settings'], 'rounds'>>
  /** Provenance from the CI context, when known. */
  provenance?: Omit<ResultsFile['git'], 'sha' | 'eventName' | 'workflow' | 'job'> & { headSha?: string }
  /** Arm summaries of a stored baseline (its `off` arm is the reference of the stored regression rows). */
  storedArms?: ArmSummary[]
  /** `mode: merge`: the runs whose blocks were pooled. */
  merged?: MergedRun[]
}

const VERDICT_BADGE: Record<Verdict, string> = {
  pass: '✅ **PASS**',
  fail: '❌ **FAIL**',
  inconclusive: '⚠️ **INCONCLUSIVE**',
  error: '💥 **ERROR**',
  measured: '📏 **MEASURED**'
}

export function headline(input: ReportInput, summaries: ArmSummary[]): string[] {
  const off = summaries.find((s) => s.armId === input.referenceArmId)
  const lines: string[] = []
  for (const s of summaries) {
    const arm = input.arms.find((a) => a.id === s.armId)
    if (!arm || arm.kind === 'off' || arm.build === 'base') continue
    const q = input.comparisons.find(
      (c) => c.kind === 'overhead' && c.armId === s.armId && c.metric === 'qps' && c.phase === undefined
    )
    const p = input.comparisons.find(
      (c) => c.kind === 'overhead' && c.armId === s.armId && c.metric === 'p99' && c.phase === undefined
    )
    if (!q || !p) continue
    const deltaMs = off ? (s.p99Us - off.p99Us) / 1000 : NaN
    const what =
      s.samplingRate === null
        ? `Arm ${escapeMarkdown(s.armId)}`
        : `Tracing at ${Number((s.samplingRate * 100).toPrecision(6))}%`
    lines.push(
      `${what} ` +
        `costs **${fmtPct(q.overhead)} QPS** (${uncertainty(q)}), **P99 ` +
        `${deltaMs >= 0 ? '+' : ''}${deltaMs.toFixed(2)} ms** (${fmtPct(p.overhead, { signed: true })}, ` +
        `${uncertainty(p)}).`
    )
  }
  return lines
}

function verdictLine(input: ReportInput): string {
  const badge = VERDICT_BADGE[input.verdict]
  if (input.verdict === 'error') return `${badge} — the measurement failed; no verdict on tracing overhead.`
  if (input.verdict === 'measured')
    return (
      `${badge} — measured only ('mode: measure'): no verdict here; a 'mode: merge' job decides over every ` +
      `runner's blocks.`
    )
  const gated = input.comparisons.filter((c) => c.decision !== null)
  const fails = gated.filter((c) => c.decision === 'fail')
  const inconclusive = gated.filter((c) => c.decision === 'inconclusive')
  const what = (cs: Comparison[]): string =>
    cs
      .map(
        (c) =>
          `${c.phase === undefined ? '' : c.phase === 'open' ? 'open-loop ' : `${c.phase} `}${METRIC_NAME[c.metric]} ` +
          `${KIND_NAME[c.kind]} ${c.armId} ${fmtPct(c.overhead, { signed: true })}`
      )
      .join(', ')
  if (input.verdict === 'fail') return `${badge} — beyond budget: ${what(fails)}.`
  if (input.verdict === 'inconclusive') {
    const effect = input.failCheck
      ? 'the check fails (on-inconclusive: fail)'
      : `the check is not failed (on-inconclusive: ${input.settings.onInconclusive})`
    return (
      `${badge} — the noise is too large to tell whether ${what(inconclusive)} is within budget; ${effect}. More ` +
      `rounds or longer rounds narrow the intervals.`
    )
  }
  if (gated.length === 0) return `${badge} — nothing is gated (every budget is 'none'); overheads are reported below.`
  return (
    `${badge} — every gated overhead is within budget (${gated.length} comparisons, ` +
    `${Math.round(input.settings.confidence * 100)}% intervals).`
  )
}

function armTable(summaries: ArmSummary[]): string {
  const rows = summaries.map((s) => [
    escapeMarkdown(s.label),
    fmtInt(s.qps),
    fmtMs(s.p50Us),
    fmtMs(s.p95Us),
    fmtMs(s.p99Us),
    s.requests > 0 ? `${fmtInt(s.failed)} (${fmtPct(s.failed / s.requests, { digits: 2 })})` : '0',
    fmtInt(s.spans),
    s.spans > 0 ? s.spansPerRequest.toFixed(3) : '0',
    fmtBytes(s.otlpBytesPerSec),
    fmtMBh(s.storageMBPerHour)
  ])
  return markdownTable(
    [['Arm', 'QPS', 'P50 ms', 'P95 ms', 'P99 ms', 'Failed', 'Spans', 'Spans/req', 'OTLP', 'Storage'], ...rows],
    { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] }
  )
}

function comparisonTable(
  input: ReportInput,
  cs: Comparison[],
  first: string,
  label: (c: Comparison) => string
): string {
  const conf = Math.round(input.settings.confidence * 1000) / 10
  const rows = cs.map((c) => [
    escapeMarkdown(label(c)),
    METRIC_NAME[c.metric],
    `${fmtPct(c.overhead, { signed: true })}${significance(c)}`,
    // Gated comparisons carry the repeated interval their decision used (wider than the reported level).
    ciText(c) +
      (Math.abs(c.confidence - input.settings.confidence) > 1e-9 && Number.isFinite(c.ciLow)
        ? ` (${fmtConfidence(c.confidence)})`
        : ''),
    fmtP(c.pValue),
    fmtP(c.pPermutation),
    c.historyRuns !== undefined
      ? `${c.n} vs ${c.historyRuns} runs`
      : c.nRef !== undefined
        ? `${c.n}+${c.nRef}`
        : String(c.n),
    decisionText(c) +
      (c.decidedAtLook !== undefined && c.decidedAtLook !== null ? ` at look ${c.decidedAtLook + 1}` : '') +
      (c.cannotPass
        ? ` — ${escapeMarkdown(c.cannotPass)}`
        : c.cannotFail && c.decision !== 'pass'
          ? ` — cannot fail: ${escapeMarkdown(c.cannotFail)}`
          : '')
  ])
  return markdownTable(
    [
      [first, 'Metric', 'Change', `CI (${conf}% unless noted)`, 'p (trimmed t)', 'p (sign-flip)', 'n', 'Decision'],
      ...rows
    ],
    {
      align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'l']
    }
  )
}

function medianOf(summaries: ArmSummary[], armId: string, metric: MetricName): string {
  const s = summaries.find((x) => x.armId === armId)
  if (!s) return 'n/a'
  if (metric === 'cpu') return s.resources ? `${fmtCpuPerK(s.resources.cpuSecPerKReq)} CPU-s/1k` : 'n/a'
  return metric === 'qps' ? fmtInt(s.qps) : `${fmtMs(s.p99Us)} ms`
}

/** CPU-seconds per 1,000 requests (numerically CPU-ms per request), 3 decimals. */
function fmtCpuPerK(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : 'n/a'
}

/** Bytes as MiB with one decimal. */
function fmtMiB(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(1) : 'n/a'
}

/** CPU and memory of each arm's process tree, with the CPU-per-request overhead of tracing where compared. */
function resourcesSection(input: ReportInput, summaries: ArmSummary[]): string[] {
  const withRes = summaries.filter((s) => s.resources !== undefined)
  if (withRes.length === 0) return []
  const rows = withRes.map((s) => {
    const r = s.resources as NonNullable<ArmSummary['resources']>
    const c = input.comparisons.find((x) => x.kind === 'overhead' && x.metric === 'cpu' && x.armId === s.armId)
    return [
      escapeMarkdown(s.label),
      fmtCpuPerK(r.cpuSecPerKReq),
      c ? `${fmtPct(c.overhead, { signed: true })}${significance(c)}` : '',
      r.cpuPctAvg.toFixed(0),
      r.cpuPctPeak.toFixed(0),
      fmtMiB(r.rssAvgBytes),
      fmtMiB(r.rssPeakBytes)
    ]
  })
  return [
    '#### Resources (whole process tree of the service, measured phase)',
    '',
    markdownTable(
      [['Arm', 'CPU-s / 1k req', 'vs off', 'CPU % avg', 'CPU % peak', 'RSS avg MiB', 'RSS peak MiB'], ...rows],
      {
        align: ['l', 'r', 'r', 'r', 'r', 'r', 'r']
      }
    ),
    '',
    'CPU-s / 1k req: CPU time of the service and its children per 1,000 successful requests (= CPU-ms per request). ' +
      'CPU %: 100 = one core busy. RSS is summed over the processes, wrapper shells included. Medians over the ' +
      'rounds; peaks are the maximum.',
    ''
  ]
}

/** "vs main": head/off against base/off (same job) or the stored baseline's off arm. */
function regressionSection(input: ReportInput, summaries: ArmSummary[]): string[] {
  const cs = input.comparisons.filter((c) => c.kind === 'regression')
  const b = input.baseline
  const out: string[] = ['#### vs main (tracing off)', '']
  if (b && b.status !== 'ok') {
    out.push(
      b.status === 'not-configured'
        ? 'No baseline configured: only the tracing overhead is gated. Set `base-start-command` (same job, ' +
            'recommended) or `baseline-path` (stored) to compare with main.'
        : `⚠️ **No baseline**: ${escapeMarkdown(b.message ?? b.status)}. Regressions vs main are not checked in this ` +
            `run; the tracing overhead still is.`,
      ''
    )
  }
  if (cs.length === 0) return out
  if (b?.source === 'stored') {
    const when = b.createdAt ? ` from ${escapeMarkdown(b.createdAt.slice(0, 16).replace('T', ' '))} UTC` : ''
    const sha = b.sha ? ` at ${codeSpan(b.sha.slice(0, 12))}` : ''
    out.push(
      `Baseline: stored results${when}${sha} (unpaired: another run, another ` +
        `minute${b.sameMachine ? ', same CPU model and cores' : ''}).`
    )
    if (b.segment !== undefined) {
      const s = b.segment
      const start =
        `${codeSpan(s.startCommit.slice(0, 12))} ` +
        `(${escapeMarkdown(s.startTime.slice(0, 16).replace('T', ' '))} UTC)`
      out.push(
        '',
        s.changePoint !== undefined
          ? `Segment: main since ${start}, where ${escapeMarkdown(s.changePoint.label)} changed by ` +
              `${(s.changePoint.change * 100).toFixed(1)} % (a change point of main's history); ` +
              `${s.storedRuns} stored run${s.storedRuns === 1 ? '' : 's'} of its ${s.entries}.`
          : `Segment: main's whole history since ${start} (no change point); ${s.storedRuns} stored ` +
              `run${s.storedRuns === 1 ? '' : 's'} of its ${s.entries}.`
      )
    }
    if (b.sameMachine === false) {
      out.push(
        '',
        `⚠️ **Cross-machine baseline**: ${escapeMarkdown((b.machineDifferences ?? []).join(', '))}. Differences may ` +
          `be the machine, not the code: these rows can pass or be inconclusive but never fail.`
      )
    }
    out.push('')
  } else {
    out.push('Baseline: the base build, booted in the same blocks as the head build (paired per block).', '')
  }
  const rows = cs.map((c) => {
    const all = c.paired ? summaries : (input.storedArms ?? [])
    return [
      METRIC_NAME[c.metric],
      medianOf(all, c.paired ? c.referenceArmId : 'off', c.metric),
      medianOf(summaries, c.armId, c.metric),
      `${fmtPct(c.metric === 'qps' ? -c.overhead : c.overhead, { signed: true })}${significance(c)}`,
      c.metric === 'qps' ? `${fmtPct(-c.ciHigh, { signed: true })} … ${fmtPct(-c.ciLow, { signed: true })}` : ciText(c),
      fmtP(c.pValue),
      c.nRef !== undefined ? `${c.n}+${c.nRef}` : String(c.n),
      decisionText(c) + (c.cannotFail && c.decision !== 'pass' ? ' — cannot fail: other machine' : '')
    ]
  })
  const conf = Math.round(input.settings.confidence * 1000) / 10
  out.push(
    markdownTable([['Metric', 'main', 'PR', 'Δ', `${conf}% CI`, 'p', 'n', 'Decision'], ...rows], {
      align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l']
    }),
    '',
    'Δ is the PR minus main: for QPS negative is worse, for P99 positive is worse. Budgets apply to the worse ' +
      'direction.',
    ''
  )
  return out
}

/** Head and base overhead per rate side by side, and the gated change between them. */
function overheadChangeSection(input: ReportInput): string[] {
  const changes = input.comparisons.filter((c) => c.kind === 'overhead-change')
  if (changes.length === 0) return []
  const find = (armId: string, metric: string): Comparison | undefined =>
    input.comparisons.find(
      (c) => c.kind === 'overhead' && c.armId === armId && c.metric === metric && c.phase === undefined
    )
  const rows = changes.map((c) => {
    const head = find(c.armId, c.metric)
    const base = find(c.referenceArmId, c.metric)
    const cell = (x?: Comparison): string => (x ? `${fmtPct(x.overhead, { signed: true })} (${ciText(x)})` : 'n/a')
    return [
      escapeMarkdown(c.armId),
      METRIC_NAME[c.metric],
      cell(base),
      cell(head),
      `${fmtPct(c.overhead, { signed: true })}${significance(c)} (${ciText(c)})`,
      decisionText(c) +
        (c.decidedAtLook !== undefined && c.decidedAtLook !== null ? ` at look ${c.decidedAtLook + 1}` : '')
    ]
  })
  return [
    '#### Did this PR make tracing more expensive?',
    '',
    markdownTable([['Rate', 'Metric', 'main overhead', 'PR overhead', 'Change (relative)', 'Decision'], ...rows], {
      align: ['l', 'l', 'r', 'r', 'r', 'l']
    }),
    '',
    "Change = the PR's traced/off ratio relative to main's, per block (a difference in differences of the log-ratios).",
    ''
  ]
}

function roundsTable(input: ReportInput): string {
  const rows = [...input.rounds]
    .sort((a, b) => a.block - b.block || a.order - b.order)
    .map((r) => [
      String(r.block + 1),
      String(r.order + 1),
      escapeMarkdown(r.armId),
      r.load.qps.toFixed(0),
      fmtMs(r.load.latency.p50Us),
      fmtMs(r.load.latency.p99Us),
      String(r.load.non2xx + r.load.errors + r.load.timeouts),
      String(r.otlp.spans),
      String(r.otlp.bytes)
    ])
  return markdownTable([['Block', '#', 'Arm', 'QPS', 'P50 ms', 'P99 ms', 'Failed', 'Spans', 'OTLP bytes'], ...rows], {
    align: ['r', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r']
  })
}

function noiseLines(input: ReportInput): string[] {
  const lines: string[] = []
  for (const metric of ['qps', 'p99', 'cpu'] as const) {
    const sds = input.comparisons
      .filter((c) => c.metric === metric && c.phase === undefined && Number.isFinite(c.sdLogRatio))
      .map((c) => c.sdLogRatio)
    if (sds.length === 0) continue
    const sd = Math.sqrt(sds.reduce((a, b) => a + b * b, 0) / sds.length)
    const robust = input.comparisons
      .filter(
        (c) =>
          c.metric === metric && c.phase === undefined && c.blockScale !== undefined && Number.isFinite(c.blockScale)
      )
      .map((c) => c.blockScale as number)
    const r =
      robust.length > 0
        ? `, robust (trimmed) ≈ ${((robust.reduce((a, b) => a + b, 0) / robust.length) * 100).toFixed(1)}%`
        : ''
    lines.push(`per-block noise of the ${METRIC_NAME[metric]} log-ratio: SD ≈ ${(sd * 100).toFixed(1)}%${r}`)
  }
  return lines
}

/**
 * What this run could see, per gated comparison: the smallest overhead it would have caught with 80 %
 * power under the rule actually applied (its gated family, the looks, the observed robust noise), and
 * an "underpowered" warning when that is more than twice the budget.
 */
export function sensitivityLines(input: ReportInput): string[] {
  const cs = input.comparisons.filter(
    (c) => c.budget !== null && c.detectable !== undefined && Number.isFinite(c.detectable)
  )
  if (cs.length === 0) return []
  const parts = cs.map(
    (c) =>
      `${escapeMarkdown(comparisonTitle(c))}: ${fmtPct(c.detectable as number)} (budget ` +
      `${fmtPct(c.budget as number)}${c.underpowered ? ', **underpowered**' : ''})`
  )
  const lines = [
    `Sensitivity (80 % power, the rule as applied: ` +
      `${input.looks === undefined ? 'one look' : `looks after ${input.looks.blocks.join(', ')} blocks`}):`,
    '',
    ...parts.map((p) => `- ${p}`),
    ''
  ]
  if (cs.some((c) => c.underpowered)) {
    lines.push(
      '⚠️ At this noise an overhead of more than twice its budget could still pass unnoticed for the comparisons ' +
        'marked underpowered: raise `max-rounds` or `round-duration`, or quieten the runner.',
      ''
    )
  }
  return lines
}

/** What each receiver CPU scope covers, in the report's words (decode-only never passes for the whole). */
const RECEIVER_CPU_WORDING = {
  thread: "receiver CPU (its whole worker thread: transport, decoding, counting, GC) as a share of the service's CPU",
  decode:
    'receiver CPU (decoding and counting only; the HTTP/gRPC transport, several times more, is not included) as a ' +
    "share of the service's CPU"
} as const

/** The gate's own CPU for counting spans, per traced arm: it runs beside the services, so say how much. */
export function receiverLines(summaries: ArmSummary[]): string[] {
  const lines: string[] = []
  for (const scope of ['thread', 'decode'] as const) {
    const shares = summaries.filter(
      (s) => s.receiverCpuShare !== undefined && (s.receiverCpuScope ?? 'decode') === scope
    )
    if (shares.length === 0) continue
    const parts = shares.map((s) => `${escapeMarkdown(s.armId)} ${fmtPct(s.receiverCpuShare as number, { digits: 2 })}`)
    lines.push(`${RECEIVER_CPU_WORDING[scope]}: ${parts.join(', ')}`)
    const core = shares.filter((s) => s.receiverCoreShare !== undefined)
    if (scope === 'thread' && core.length > 0)
      lines.push(
        `the same receiver CPU as a share of the load generator's core (where the receivers run, off the services' ` +
          `core) while the arm was loaded: ` +
          core
            .map((s) => `${escapeMarkdown(s.armId)} ${fmtPct(s.receiverCoreShare as number, { digits: 1 })}`)
            .join(', ')
      )
  }
  if (lines.length === 0) return []
  const spt = summaries
    .filter((s) => s.spansPerTrace !== undefined)
    .map((s) => `${escapeMarkdown(s.armId)} ${(s.spansPerTrace as number).toFixed(2)}`)
  return [...lines, ...(spt.length > 0 ? [`spans per sampled trace (measured windows): ${spt.join(', ')}`] : [])]
}

/**
 * What the overhead numbers estimate: the code's estimand (analysis/rule.ts, 20 % trimmed mean of the oriented
 * per-block log-ratios).
 */
export const ESTIMAND_SENTENCE =
  'Each change estimates the typical block, not the average: 1 − e^m of QPS (e^m − 1 of P99 and CPU per request), m ' +
  'the 20% trimmed mean of the per-block log-ratios ln(arm/reference) — ⌊0.2·n⌋ blocks cut at each end, so one burst ' +
  'cannot drag it.'

/** How a gated comparison's interval relates to its verdict (decide.ts: each end at its side's level). */
export const INTERVAL_SENTENCE =
  "A gated comparison's interval is the one its decision used (its level in parentheses): the lower end at the FAIL " +
  'level of its look and Holm step, the upper end at the PASS level; it FAILs exactly when the lower end lies beyond ' +
  'the budget, PASSes exactly when the upper end lies within it. Ends beyond −100% or +1000% are shown as such; ' +
  'results.json keeps the exact values.'

/** The time budget's one-look note: it held one look only, and the budget that would hold two. */
export function oneLookNote(looks: LooksInfo | undefined, budgetSec: number | undefined): string[] {
  if (looks?.oneLook === undefined) return []
  const pace = looks.secPerBlock !== undefined ? ` at ${looks.secPerBlock.toFixed(1)} s per block` : ''
  const budget = budgetSec !== undefined ? `the ${budgetSec} s 'time-budget'` : "the 'time-budget'"
  return [
    `⚠️ **One look only:** ${budget} held one look (${looks.blocks[looks.blocks.length - 1]} blocks${pace}), so an ` +
      `undecided comparison had no second chance. 'time-budget: ${looks.oneLook.budgetSec}' would hold two looks ` +
      `(after ${looks.oneLook.looks.join(' and ')} blocks).`
  ]
}

/**
 * What an INCONCLUSIVE run would have needed: for each undecided comparison with Comparison.toDecide, the blocks
 * that would decide it with 80 % power if its overhead is what was measured, and the `time-budget` (and `max-rounds`)
 * that holds them at this run's pace (plan/time-budget.ts budgetForBlocks). Advice; no decision depends on it.
 */
export function toDecideNote(
  input: Pick<ReportInput, 'comparisons' | 'looks'> & { settings: { rounds?: number; maxRounds?: number } }
): string[] {
  const rounds = input.settings.rounds
  const pace = input.looks?.pace
  const cs = input.comparisons.filter((c) => c.decision === 'inconclusive' && c.toDecide !== undefined)
  if (cs.length === 0 || rounds === undefined || pace === undefined) return []
  const maxRounds = input.settings.maxRounds ?? 3 * rounds
  let most = 0
  const parts = cs.map((c) => {
    const t = c.toDecide as NonNullable<Comparison['toDecide']>
    const title = escapeMarkdown(comparisonTitle(c))
    const what = `${title} (measured ${fmtPct(c.overhead)}, budget ${fmtPct(c.budget as number)})`
    const verdict = t.side.toUpperCase()
    if (t.blocks === null) return `${what}: too close to its budget for ${t.cap} blocks to ${verdict} it`
    most = Math.max(most, t.blocks)
    const sec = budgetForBlocks(pace, rounds, t.blocks, maxRounds)
    return `${what}: ${t.blocks} blocks to ${verdict} it, about ${sec} s`
  })
  const some = parts.length > 1 && cs.some((c) => c.toDecide?.blocks === null)
  const settings =
    most === 0
      ? ''
      : ` ${some ? 'Where a block count is given' : 'That is'}: ` +
        `\`time-budget: ${budgetForBlocks(pace, rounds, most, maxRounds)}\`` +
        (most > maxRounds ? ` and \`max-rounds: ${most}\`` : '') +
        '.'
  return [
    `⏱️ **Undecided within the budget:** at this run's noise and pace (${pace.secPerBlock.toFixed(1)} s per block` +
      `${pace.secPerBoot !== undefined ? `, boots included` : ''}), a run would decide with 80 % probability, if ` +
      `the overhead is what was measured — ${parts.join('; ')}.${settings}`
  ]
}

/** The settings list of the collapsed section: target, load, design, budgets, machine, provenance, baseline. */
function settingsLines(
  input: ReportInput,
  summaries: ArmSummary[],
  sharedCoreSetting: readonly string[],
  warmSetting: readonly string[]
): string[] {
  const s = input.settings
  const levels = s.connectionLevels !== undefined && s.connectionLevels.length > 1
  const connections = levels
    ? `${s.connectionLevels?.join(', ')} connections (primary ${s.connections})`
    : `${s.connections} connections`
  const openLoop =
    input.openLoop !== undefined
      ? `, then ${s.roundDurationSec} s open loop at ${fmtInt(input.openLoop.rate)} requests/s`
      : ''
  const cpuBudget =
    s.maxCpuOverhead === undefined
      ? ''
      : `, CPU/req ${s.maxCpuOverhead === null ? 'not gated' : fmtPct(s.maxCpuOverhead)}`
  const settings = [
    `target ${codeSpan(s.target)}, service ${codeSpan(s.serviceName)}`,
    `${connections}, ` +
      `${s.warmupSec === 'auto' ? 'warm-up until steady' : `${s.warmupSec} s warm-up`} + ${s.roundDurationSec} s ` +
      `measured per ` +
      `round${levels ? ' and level' : ''}${openLoop}`,
    `${input.blocks} blocks × ${input.arms.length} arms, seed \`${input.seed ?? 'n/a'}\` (RMIT: each block runs ` +
      `every arm once in random order)`,
    `budgets: QPS ${s.maxQpsOverhead === null ? 'not gated' : fmtPct(s.maxQpsOverhead)}, P99 ` +
      `${s.maxP99Overhead === null ? 'not gated' : fmtPct(s.maxP99Overhead)}${cpuBudget}, ` +
      `errors ≤ ${fmtPct(s.maxErrorRate)}`,
    `machine: ${escapeMarkdown(input.machine.cpuModel)}, ${input.machine.cores} cores, ` +
      `${escapeMarkdown(input.machine.os)}, Node ${escapeMarkdown(input.machine.node)}, runner ` +
      `${escapeMarkdown(input.machine.runner)}`,
    input.design !== undefined
      ? `design: ${escapeMarkdown(input.design)}`
      : `CPU pinning: ${escapeMarkdown(input.pinning)}`,
    ...(input.looks !== undefined
      ? [
          `looks after ${input.looks.blocks.join(', ')} blocks; stopped after ` +
            `${input.looks.blocks[input.looks.blocks.length - 1]}: ${escapeMarkdown(input.looks.stoppedBecause)}`
        ]
      : []),
    ...(input.caps !== undefined
      ? [
          `resource caps per service instance, the same for every arm (so they cannot bias a comparison): ` +
            `${escapeMarkdown(input.caps.note)}`
        ]
      : []),
    ...noiseLines(input),
    ...sharedCoreSetting,
    ...warmSetting,
    ...receiverLines(summaries)
  ]
  if (input.wallSec !== undefined && input.measuredSec !== undefined) {
    settings.push(`wall time ${input.wallSec.toFixed(0)} s, of which ${input.measuredSec.toFixed(0)} s measured`)
  }
  const p = input.provenance
  if (p?.headSha) settings.push(`head ${codeSpan(p.headSha.slice(0, 12))}${p.ref ? ` (${escapeMarkdown(p.ref)})` : ''}`)
  if (p?.baseSha)
    settings.push(`base ${codeSpan(p.baseSha.slice(0, 12))}${p.baseRef ? ` (${escapeMarkdown(p.baseRef)})` : ''}`)
  const b = input.baseline
  if (b) {
    const src =
      b.source === 'same-job'
        ? 'same job (base build interleaved)'
        : b.source === 'stored'
          ? `stored results ${escapeMarkdown(b.path ?? '')}`
          : 'none'
    settings.push(`baseline: ${src}${b.status !== 'ok' && b.status !== 'not-configured' ? ` (${b.status})` : ''}`)
    if (b.machine)
      settings.push(
        `baseline machine: ${escapeMarkdown(b.machine.cpuModel)}, ${b.machine.cores} cores, ` +
          `${escapeMarkdown(b.machine.os)}, runner ${escapeMarkdown(b.machine.runner)}`
      )
  }
  if (p?.runUrl) settings.push(`[workflow run](${encodeURI(p.runUrl)})`)
  return settings
}

/** Render the full report. Verdict first, then headline, tables, and a collapsed section of raw data. */
export function renderReport(input: ReportInput): string {
  const summaries = summariseArms(input.arms, input.rounds)
  const out: string[] = []
  out.push(`### OTLP perf gate: ${VERDICT_BADGE[input.verdict]}`, '', verdictLine(input), '')
  if (input.error !== undefined) {
    out.push('<details open><summary>What went wrong</summary>', '', codeBlock(input.error), '', '</details>', '')
  }
  const heads = headline(input, summaries)
  if (heads.length > 0) out.push(...heads.map((l) => `- ${l}`), '')
  for (const w of serviceStopWarnings(input.serviceStops)) out.push(w, '')
  for (const w of oneLookNote(input.looks, input.settings.timeBudgetSec)) out.push(w, '')
  for (const w of toDecideNote(input)) out.push(w, '')
  const sharedCore = sharedCoreLines(input.rounds)
  for (const w of sharedCore.warning) out.push(w, '')
  const warm = warmupLines(input.rounds, input.settings)
  for (const w of warm.warning) out.push(w, '')
  const chart = renderChart(summaries)
  if (chart !== '') out.push(chart, '')
  if (input.verdict !== 'error' || input.rounds.length > 0) {
    if (input.verdict !== 'error' && input.reasons.length > 0) {
      // Escaped too: in `mode: report` the reasons come from an artifact a fork PR produced.
      out.push(
        '<details><summary>Decisions</summary>',
        '',
        ...input.reasons.map((r) => `- ${escapeMarkdown(r)}`),
        '',
        '</details>',
        ''
      )
    }
    if (summaries.length > 0) out.push('#### Arms', '', armTable(summaries), '')
    out.push(...runnersSection(input.merged, input.comparisons))
    out.push(...resourcesSection(input, summaries))
    out.push(...regressionSection(input, summaries))
    out.push(...overheadChangeSection(input))
    // Extra phases (connection levels, open loop) have their own sections below.
    const overheads = input.comparisons.filter((c) => c.kind === 'overhead' && c.phase === undefined)
    if (overheads.length > 0) {
      out.push(
        `#### Overhead of tracing (paired per block vs tracing off of the same build)`,
        '',
        comparisonTable(input, overheads, 'Arm', (c) =>
          c.referenceArmId === input.referenceArmId ? c.armId : `${c.armId} vs ${c.referenceArmId}`
        ),
        '',
        ESTIMAND_SENTENCE +
          ` "~" marks a difference that is not significant at ` +
          `${Math.round((1 - input.settings.confidence) * 1000) / 10}%. ` +
          INTERVAL_SENTENCE,
        '',
        ...designNote(input.rounds, input.comparisons),
        ...coRunnerNote(input.rounds)
      )
      out.push(...sensitivityLines(input))
    }
    out.push(...decompositionSection(input))
    out.push(...collectorSection(input))
    out.push(...loadLevelsSection(input), ...openLoopSection(input), ...spikeSection(input))
  }
  const settings = settingsLines(input, summaries, sharedCore.setting, warm.setting)
  out.push('<details><summary>Settings, machine and per-round data</summary>', '', ...settings.map((l) => `- ${l}`), '')
  if (input.rounds.length > 0) out.push(roundsTable(input), '')
  out.push('</details>', '')
  // The report itself opens no HTML comment, so breaking every opener left is safe (belt and braces;
  // not '-->', which is the mermaid chart's axis syntax and cannot forge a marker on its own).
  return out.join('\n').replace(/<!--/g, '<! --')
}
