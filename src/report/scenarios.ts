/**
 * Report sections of the load scenarios: every connection level, the open-loop latency next to the
 * closed-loop one, and the spike run. Pure; each returns markdown lines ([] when there is nothing to show).
 */
import { markdownTable } from 'markdown-table'
import { median } from 'simple-statistics'
import type { ArmSpec, Comparison, LoadResult, OpenLoopInfo, RoundResult, SpikeResult } from '../types.js'
import { OPEN_PHASE_ID } from '../load/scenarios.js'
import { ciText, decisionText, escapeMarkdown, fmtInt, fmtMs, fmtPct, significance } from '../format.js'

/** What the scenario sections read from the report input. */
export interface ScenarioReportInput {
  arms: ArmSpec[]
  rounds: RoundResult[]
  comparisons: Comparison[]
  referenceArmId: string
  settings: { connections: number; confidence: number }
  openLoop?: OpenLoopInfo
  spike?: SpikeResult[]
}

/** Achieved below this share of the offered rate: the arm could not keep up and its open-loop P99 is backlog. */
export const SATURATED_BELOW = 0.9

/** Medians over an arm's rounds of one phase (undefined = the primary load); null when no round has it. */
function phaseMedians(
  rounds: readonly RoundResult[],
  armId: string,
  phase?: string
): { qps: number; p99Us: number; failed: number; sendLagP99Us: number } | null {
  const loads: LoadResult[] = []
  const lags: number[] = []
  for (const r of rounds) {
    if (r.armId !== armId) continue
    if (phase === undefined) loads.push(r.load)
    else {
      const p = r.phases?.find((x) => x.id === phase)
      if (p === undefined) continue
      loads.push(p.load)
      if (p.sendLag !== undefined && Number.isFinite(p.sendLag.p99Us)) lags.push(p.sendLag.p99Us)
    }
  }
  if (loads.length === 0) return null
  // A phase without any 2xx has NaN quantiles: keep them out of the median rather than poison it.
  const finite = (xs: number[]): number => {
    const f = xs.filter((x) => Number.isFinite(x))
    return f.length === 0 ? NaN : median(f)
  }
  return {
    qps: median(loads.map((l) => l.qps)),
    p99Us: finite(loads.map((l) => l.latency.p99Us)),
    failed: loads.reduce((a, l) => a + l.non2xx + l.errors + l.timeouts, 0),
    sendLagP99Us: finite(lags)
  }
}

function overheadCell(c: Comparison | undefined): string {
  if (c === undefined) return ''
  return `${fmtPct(c.overhead, { signed: true })}${significance(c)} (${ciText(c)})`
}

/** Closed-loop phase ids of the rounds in the order they ran, the primary level first as `c=N`. */
function closedLevels(input: ScenarioReportInput): { id: string | undefined; connections: number }[] {
  const first = input.rounds.find((r) => r.phases !== undefined)
  const extra = (first?.phases ?? [])
    .filter((p) => p.kind === 'closed')
    .map((p) => ({ id: p.id as string | undefined, connections: p.connections }))
  return extra.length === 0 ? [] : [{ id: undefined, connections: input.settings.connections }, ...extra]
}

/** "#### Load levels": QPS and P99 of every arm at every closed-loop level, with the change vs off. */
export function loadLevelsSection(input: ScenarioReportInput): string[] {
  const levels = closedLevels(input)
  if (levels.length === 0) return []
  const find = (armId: string, metric: 'qps' | 'p99', phase: string | undefined): Comparison | undefined =>
    input.comparisons.find(
      (c) => c.kind === 'overhead' && c.armId === armId && c.metric === metric && c.phase === phase
    )
  const rows: string[][] = []
  for (const level of levels) {
    for (const arm of input.arms) {
      const m = phaseMedians(input.rounds, arm.id, level.id)
      if (m === null) continue
      rows.push([
        `${fmtInt(level.connections)}${level.id === undefined ? ' (primary)' : ''}`,
        escapeMarkdown(arm.label),
        fmtInt(m.qps),
        fmtMs(m.p99Us),
        fmtInt(m.failed),
        overheadCell(find(arm.id, 'qps', level.id)),
        overheadCell(find(arm.id, 'p99', level.id))
      ])
    }
  }
  const conf = Math.round(input.settings.confidence * 1000) / 10
  return [
    '#### Load levels (closed loop, same boot per round)',
    '',
    markdownTable(
      [
        ['Connections', 'Arm', 'QPS', 'P99 ms', 'Failed', `QPS overhead (${conf}% CI)`, `P99 overhead (${conf}% CI)`],
        ...rows
      ],
      {
        align: ['r', 'l', 'r', 'r', 'r', 'r', 'r']
      }
    ),
    '',
    'Each round measures every level in turn after one warm-up; the primary level is the one the budgets gate, the ' +
      'others are reported. ' +
      "In a closed loop, mean latency ≈ connections / QPS (Little's law): past saturation more connections only " +
      'add queueing.',
    ''
  ]
}

/** "#### Open-loop latency": offered and achieved rate, closed- and open-loop P99 per arm, the gated overhead. */
export function openLoopSection(input: ScenarioReportInput): string[] {
  const ol = input.openLoop
  if (ol === undefined || !input.rounds.some((r) => r.phases?.some((p) => p.id === OPEN_PHASE_ID))) return []
  const rows: string[][] = []
  const saturated: string[] = []
  for (const arm of input.arms) {
    const open = phaseMedians(input.rounds, arm.id, OPEN_PHASE_ID)
    const closed = phaseMedians(input.rounds, arm.id)
    if (open === null || closed === null) continue
    const c = input.comparisons.find(
      (x) => x.kind === 'overhead' && x.metric === 'p99' && x.armId === arm.id && x.phase === OPEN_PHASE_ID
    )
    const sat = open.qps < SATURATED_BELOW * ol.rate
    if (sat) saturated.push(arm.id)
    rows.push([
      escapeMarkdown(arm.label),
      `${fmtInt(open.qps)}${sat ? ' ⚠️' : ''}`,
      fmtMs(closed.p99Us),
      fmtMs(open.p99Us),
      overheadCell(c),
      c === undefined
        ? ''
        : decisionText(c) +
          (c.decidedAtLook !== undefined && c.decidedAtLook !== null ? ` at look ${c.decidedAtLook + 1}` : ''),
      fmtMs(open.sendLagP99Us)
    ])
  }
  const cal = ol.calibration
  const source =
    ol.source === 'auto' && cal !== undefined
      ? `${fmtInt(ol.rate)} requests/s offered to every arm: ${Math.round(cal.fraction * 100)}% of the ` +
        `${escapeMarkdown(cal.armId)} arm's ${fmtInt(cal.qps)} QPS in a calibration round before the blocks (closed ` +
        `loop, ${cal.connections} connections; not part of the results).`
      : `${fmtInt(ol.rate)} requests/s offered to every arm (\`open-loop-rate\`).`
  const out = [
    '#### Open-loop latency (constant request rate)',
    '',
    source,
    '',
    markdownTable(
      [
        [
          'Arm',
          'Achieved rps',
          `Closed-loop P99 ms (${input.settings.connections} conn.)`,
          'Open-loop P99 ms',
          'Open-loop P99 overhead',
          'Decision',
          'Send lag P99 ms'
        ],
        ...rows
      ],
      {
        align: ['l', 'r', 'r', 'r', 'r', 'l', 'r']
      }
    ),
    '',
    'Open loop: each request is scheduled at a fixed rate whatever the earlier answers, and its latency runs from ' +
      'the scheduled time, so waiting behind a slow answer counts (no coordinated omission, unlike the closed-loop ' +
      'P99). Not corrected: a late load generator is charged to the service (send lag shows how late sends left). ' +
      'Medians over the rounds.'
  ]
  if (saturated.length > 0) {
    out.push(
      '',
      `⚠️ ${saturated.map((a) => escapeMarkdown(a)).join(', ')} served less than ` +
        `${Math.round(SATURATED_BELOW * 100)}% of the offered rate: the service cannot sustain it, ` +
        'so its open-loop P99 measures a growing backlog over the phase, not a steady latency. Lower ' +
        '`open-loop-rate` to compare steady states.'
    )
  }
  out.push('')
  return out
}

/** "#### Spike": QPS / P99 / errors per stage and arm; single run, not gated. */
export function spikeSection(input: ScenarioReportInput): string[] {
  const runs = input.spike
  if (runs === undefined || runs.length === 0) return []
  const label = (armId: string): string => escapeMarkdown(input.arms.find((a) => a.id === armId)?.label ?? armId)
  const stages = Math.max(...runs.map((r) => r.stages.length))
  const rows: string[][] = []
  for (let i = 0; i < stages; i++) {
    const any = runs.find((r) => r.stages[i] !== undefined)?.stages[i]
    rows.push([
      String(i + 1),
      any ? fmtInt(any.connections) : '',
      any ? `${any.durationSec.toFixed(1)} s` : '',
      ...runs.map((r) => {
        const st = r.stages[i]
        if (st === undefined) return r.died !== undefined && i === r.stages.length ? '💥 service died' : '—'
        return (
          `${fmtInt(st.qps)} / ${fmtMs(st.p99Us)} / ` +
          `${fmtInt(st.errors)}${st.errors > 0 ? ` (${fmtPct(st.errorRate, { digits: 1 })})` : ''}`
        )
      })
    ])
  }
  const out = [
    '#### Spike (single run, not gated)',
    '',
    markdownTable(
      [['Stage', 'Connections', 'Length', ...runs.map((r) => `${label(r.armId)}: QPS / P99 ms / errors`)], ...rows],
      {
        align: ['r', 'r', 'r', ...runs.map(() => 'r' as const)]
      }
    ),
    '',
    'Each arm booted once after the blocks, warmed up at the first stage, then loaded in closed-loop stages, 0 → ' +
      'peak → 0 connections, back to back. One run per arm, not replicated: read it for shape (where QPS stops ' +
      'growing, how P99 and errors react), not for small differences. Errors here do not fail the run.'
  ]
  for (const r of runs) {
    if (r.died !== undefined)
      out.push('', `💥 ${label(r.armId)}: the service died ${escapeMarkdown(r.died.split('\n')[0])}`)
  }
  out.push('')
  return out
}
