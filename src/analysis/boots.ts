/**
 * Blocks measured on processes kept across blocks (`blocks-per-boot`, alternating design). A fresh
 * process of the same binary is lastingly a little faster or slower than another (JIT decisions,
 * physical pages: about 0.9 % per process for the Node fixture, bench/results/process-offset.jsonl).
 * With a fresh process per block that offset is part of every block's noise and averages out over the
 * blocks; with processes kept for several blocks it is common to the blocks of a boot, so the blocks'
 * scatter no longer shows it and more blocks do not shrink it. Its variance is added back: the
 * between-boot SD of a comparison's log-ratio is the larger of a measured prior (the per-process offset
 * × √(processes whose ratio the comparison takes)) and the boots' own spread (DerSimonian–Laird, as for
 * runners in analysis/runners.ts), and the blocks' deviations from the pooled trimmed mean are scaled so
 * that the rule's standard error (Yuen and bootstrap-t alike) carries se² + τ²·Σ(n_b/N)². The prior
 * keeps a run of one or two boots honest, where the boots cannot estimate their own spread; the estimate
 * takes over for a service whose processes differ more than the prior says.
 */
import type { BootSpread } from '../types.js'
import { trimmedLocation } from './robust.js'
import { runnerSpread } from './runners.js'

/** Whether any boot holds two or more of the blocks: only then is a process offset shared by blocks. */
export function sharesBoots(bootOf: ReadonlyArray<number | undefined>): boolean {
  const seen = new Set<number>()
  for (const b of bootOf) {
    if (b === undefined) continue
    if (seen.has(b)) return true
    seen.add(b)
  }
  return false
}

/**
 * Pool the log-ratios of blocks labelled by boot (any labels; blocks without one count as a boot of their
 * own): the spread and the log-ratios to decide on, widened. `tauPrior`: the prior between-boot SD of this
 * comparison's log-ratio (≥ 0).
 */
export function poolBoots(
  logRatios: readonly number[],
  bootOf: ReadonlyArray<number | undefined>,
  tauPrior: number
): { logRatios: number[]; spread: BootSpread } {
  if (logRatios.length !== bootOf.length) throw new Error(`${logRatios.length} log-ratios but ${bootOf.length} boots`)
  if (!(Number.isFinite(tauPrior) && tauPrior >= 0))
    throw new RangeError(`the prior process offset must be a finite SD ≥ 0, got ${String(tauPrior)}`)
  // Boots numbered in order of first appearance; an unlabelled block is its own boot.
  const index = new Map<string, number>()
  const labels = bootOf.map((b, i) => {
    const key = b === undefined ? `block ${i}` : `boot ${b}`
    if (!index.has(key)) index.set(key, index.size)
    return index.get(key) as number
  })
  const est = runnerSpread(logRatios, labels, index.size)
  const tauEstimate = index.size >= 2 ? est.tau : NaN
  const tau = Math.max(tauPrior, Number.isFinite(tauEstimate) ? tauEstimate : 0)
  const spread: BootSpread = { blocks: est.blocks, tauPrior, tauEstimate, tau, widening: 1 }
  const pooled = trimmedLocation(logRatios)
  if (!(tau > 0) || !(pooled.se > 0)) return { logRatios: [...logRatios], spread }
  const n = logRatios.length
  const share = est.blocks.reduce((a, b) => a + (b / n) ** 2, 0)
  const widening = Math.sqrt(1 + (tau ** 2 * share) / pooled.se ** 2)
  const c = pooled.estimate
  return { logRatios: logRatios.map((d) => c + (d - c) * widening), spread: { ...spread, widening } }
}
