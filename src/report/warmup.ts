/**
 * What the warm-up did, per arm, and a warning when it ended on its cap: then a service was still
 * getting faster when it was measured, and the overhead may include start-up cost (a JIT runtime with
 * an agent warms for tens of seconds). Pure.
 */
import { median } from 'simple-statistics'
import type { RoundResult } from '../types.js'
import { escapeMarkdown } from '../format.js'

/** One arm's warm-up over its rounds. */
export interface ArmWarmup {
  armId: string
  /** Median seconds of load before measuring. */
  medianSec: number
  maxSec: number
  /** Rounds whose auto warm-up ended on the cap, and rounds with an auto warm-up. */
  capped: number
  auto: number
}

/** Per arm (in order of first appearance), over the rounds of the blocks (calibration rounds excluded). */
export function armWarmups(rounds: readonly RoundResult[]): ArmWarmup[] {
  const arms = new Map<string, RoundResult[]>()
  // Processes kept across blocks: a boot's later blocks had no warm-up of their own (sinceBlock), count it once.
  for (const r of rounds.filter((x) => x.block >= 0 && x.warmup.sinceBlock === undefined))
    arms.set(r.armId, [...(arms.get(r.armId) ?? []), r])
  return [...arms.entries()].map(([armId, rs]) => {
    const secs = rs.map((r) => r.warmup.durationSec)
    return {
      armId,
      medianSec: median(secs),
      maxSec: Math.max(...secs),
      capped: rs.filter((r) => r.warmup.ended === 'cap').length,
      auto: rs.filter((r) => r.warmup.ended === 'steady' || r.warmup.ended === 'cap').length
    }
  })
}

/** The settings line on the warm-up, and a warning for the top of the report when any arm hit the cap. */
export function warmupLines(
  rounds: readonly RoundResult[],
  settings: { warmupSec: number | 'auto'; warmupCapSec?: number; warmupMinSec?: number; warmupRuntime?: string }
): { setting: string[]; warning: string[] } {
  const arms = armWarmups(rounds)
  if (arms.length === 0 || settings.warmupSec !== 'auto') return { setting: [], warning: [] }
  const cap = settings.warmupCapSec
  const min = settings.warmupMinSec ?? 0
  const limits =
    cap === undefined
      ? ''
      : ` (${min > 0 ? `at least ${min} s and ` : ''}at most ${cap} s of load per process` +
        `${settings.warmupRuntime === 'jvm' ? ', as for a JVM' : ''})`
  const setting = [
    `warm-up until steady${limits}: ` +
      arms
        .map(
          (a) =>
            `${escapeMarkdown(a.armId)} ${a.medianSec.toFixed(0)} s` +
            (a.capped > 0 ? ` (${a.capped} of ${a.auto} capped)` : '')
        )
        .join(', ') +
      (rounds.some((r) => r.warmup.sinceBlock !== undefined) ? ' (median per boot)' : ' (median per block)')
  ]
  const capped = arms.filter((a) => a.capped > 0)
  if (capped.length === 0) return { setting, warning: [] }
  const unit = rounds.some((r) => r.warmup.sinceBlock !== undefined) ? 'boots' : 'blocks'
  const which = capped.map((a) => `${escapeMarkdown(a.armId)} in ${a.capped} of ${a.auto} ${unit}`).join(', ')
  return {
    setting,
    warning: [
      `> ⚠️ Warm-up hit its cap${cap !== undefined ? ` of ${cap} s` : ''} before the service was steady (${which}): ` +
        `it was still getting faster when measured, so these numbers may include start-up cost (JIT compilation, an ` +
        `agent rewriting classes). Raise \`warmup-cap\`, and \`time-budget\` with it.`
    ]
  }
}
