/**
 * Report section: where the cost of tracing comes from, step by step (MooBench's method): the
 * instrumentation loaded but off (none → off), sampling and recording at each rate (off → on@r without
 * export), and exporting (→ on@r). Shown when the run had an uninstrumented arm or export-step arms.
 */
import { markdownTable } from 'markdown-table'
import type { ArmSpec, Comparison } from '../types.js'
import { ciText, escapeMarkdown, METRIC_NAME, fmtPct, significance } from '../format.js'

/** What the section reads from the report input. */
export interface DecompositionInput {
  arms: ArmSpec[]
  comparisons: Comparison[]
  settings: { confidence: number }
}

/** One step's row label for a comparison of the decomposition, or null when it is not one. */
function stepOf(c: Comparison, arms: Map<string, ArmSpec>): string | null {
  if (c.phase !== undefined) return null
  if (c.kind === 'instrumentation') return 'instrumentation loaded, tracing off (none → off)'
  if (c.kind === 'export') return `exporting (${c.referenceArmId} → ${c.armId})`
  const arm = arms.get(c.armId)
  if (c.kind !== 'overhead' || arm === undefined || arm.build !== 'head') return null
  if (arm.kind === 'recording') return `sampling and recording, no export (off → ${c.armId})`
  if (arm.kind === 'sampled' && [...arms.values()].some((a) => a.kind === 'recording')) return null
  if (arm.kind === 'sampled' || arm.kind === 'custom') return `sampling, recording and export (off → ${c.armId})`
  return null
}

/** The section's lines (empty when the run has no decomposition arms). */
export function decompositionSection(input: DecompositionInput): string[] {
  const arms = new Map(input.arms.map((a) => [a.id, a]))
  if (!input.arms.some((a) => a.kind === 'none' || a.kind === 'recording')) return []
  const rows = input.comparisons
    .map((c) => ({ c, step: stepOf(c, arms) }))
    .filter((x): x is { c: Comparison; step: string } => x.step !== null)
    .map(({ c, step }) => [
      escapeMarkdown(step),
      METRIC_NAME[c.metric],
      `${fmtPct(c.overhead, { signed: true })}${significance(c)}`,
      ciText(c),
      String(c.n)
    ])
  if (rows.length === 0) return []
  const conf = Math.round(input.settings.confidence * 1000) / 10
  return [
    '#### Where the cost comes from',
    '',
    markdownTable([['Step', 'Metric', 'Change', `${conf}% CI`, 'n'], ...rows], { align: ['l', 'l', 'r', 'r', 'r'] }),
    '',
    'Each step is paired per block against the step before it; the steps add up (on the log scale) to the total cost ' +
      'of tracing. "Off" keeps whatever the SDK loads while disabled (see docs/languages.md for what "off" means per ' +
      'language).',
    ''
  ]
}
