/**
 * The kept-boot model of `npm run sim -- --only honesty --boot-sec S` (bench/sim-honesty.ts): the alternating
 * design keeps its processes across blocks, a boot from one look to the next by default (`blocks-per-boot: 0`),
 * and every look ends its boot. A process keeps a lifelong speed offset (bench/results/process-offset.jsonl), so
 * the blocks of a boot share it: comparison i's log-ratio in a block of boot b carries u_on(i, b) − u_off(b),
 * every u ~ N(0, τ_true²) per process and boot; the comparisons share the off arm's process and so its u_off.
 * Before every look each comparison is pooled over its boots as the engine does (analysis/analyse.ts
 * `bootPooled`: analysis/boots.ts poolBoots with the prior τ_prior·√2, when some boot holds ≥ 2 blocks), or,
 * for `--variant`, by a candidate:
 *   none           no pooling (the rule as if the blocks were independent: what boots.ts exists to prevent);
 *   shipped        poolBoots(x, boots, τ_prior·√2) (the engine);
 *   satterthwaite  shipped, then the deviations scaled by t_{df_eff}(1 − a)/t_{df_rule}(1 − a), where a is the
 *                  look's PASS level, df_rule = DF_FACTOR·(h − 1) the rule's df, and df_eff the Welch–Satterthwaite
 *                  df of se² + τ²·Σ(n_b/N)² with df_rule for se² and, when the DL estimate is the τ used
 *                  (above the prior), m − 1 for the τ² term (m boots; a prior τ is taken as known, df ∞). The
 *                  shipped widening hands the τ² term the rule's df, h − 1 of the blocks (1.7 at 5 blocks), although
 *                  a prior τ is not estimated from them at all: this gives it its own df, both ways;
 *   satterthwaite-up  the same, but only ever stretching (factor ≥ 1): the correction for a τ estimated from few
 *                  boots alone.
 */
import { decideAtLook, type GatedComparison, type LookResult } from '../src/analysis/decide.js'
import { poolBoots, sharesBoots } from '../src/analysis/boots.js'
import { ruleDf } from '../src/analysis/rule.js'
import { trimmedLocation } from '../src/analysis/robust.js'
import type { SequentialDesign } from '../src/analysis/sequential.js'
import { tQuantile } from '../src/stats/distributions.js'

export const BOOT_VARIANTS = ['shipped', 'none', 'satterthwaite', 'satterthwaite-up'] as const
export type BootVariant = (typeof BOOT_VARIANTS)[number]

/** The kept-boot settings of the honesty cases. */
export interface BootModel {
  /** s a boot costs before its first block (start-up, warm-up, stop): the engine's msPerBoot / 1000. */
  bootSec: number
  /** Most blocks per boot (0: until the next look, the default). */
  blocksPerBoot: number
  /** True per-process offset SD in the data (log scale). */
  tauTrue: number
  /** The analysis' prior per process (the engine's process-offset: 0.014 non-JVM, 0.01 JVM). */
  tauPrior: number
  variant: BootVariant
}

/** The node measured 2026-12-07 (3 arms, defaults): 35.0 s per boot, 13.9 s per warm block; offsets at the auto prior. */
export const DEFAULT_BOOT: Omit<BootModel, 'bootSec'> = {
  blocksPerBoot: 0,
  tauTrue: 0.014,
  tauPrior: 0.014,
  variant: 'shipped'
}

/** The boot of every block up to the last look: a new boot after every look and every `blocksPerBoot` blocks. */
export function bootLabels(looks: readonly number[], blocksPerBoot: number): number[] {
  const out: number[] = []
  let boot = -1
  let from = 0
  for (const look of looks) {
    for (let b = from; b < look; b++) {
      if (b === from || (blocksPerBoot > 0 && (b - from) % blocksPerBoot === 0)) boot++
      out.push(boot)
    }
    from = look
  }
  return out
}

/**
 * Per comparison and block, the offset u_on(i, boot) − u_off(boot) of the block's boot: k traced processes and one
 * off process per boot, drawn from `normal` in boot order (off first).
 */
export function bootOffsets(labels: readonly number[], k: number, tauTrue: number, normal: () => number): number[][] {
  const boots = labels.length === 0 ? 0 : Math.max(...labels) + 1
  const perBoot = Array.from({ length: boots }, () => {
    const off = tauTrue * normal()
    return Array.from({ length: k }, () => tauTrue * normal() - off)
  })
  return Array.from({ length: k }, (_, i) => labels.map((b) => perBoot[b][i]))
}

/** The Welch–Satterthwaite candidates: the shipped pooling, its scale set for the df of se² + τ²·Σ(n_b/N)². */
function satterthwaite(
  x: readonly number[],
  labels: readonly number[],
  prior: number,
  level: number,
  upOnly: boolean
): number[] {
  const pooled = poolBoots(x, labels, prior)
  const s = pooled.spread
  const loc = trimmedLocation(x)
  if (!(s.tau > 0) || !(loc.se > 0)) return pooled.logRatios
  const n = x.length
  const vSe = loc.se ** 2
  const vTau = s.tau ** 2 * s.blocks.reduce((a, b) => a + (b / n) ** 2, 0)
  const dfRule = ruleDf(loc)
  // A prior τ is known (its term has no sampling error); a DL estimate above it has m − 1 df.
  const tauTerm = s.tau > s.tauPrior ? vTau ** 2 / (s.blocks.length - 1) : 0
  const dfEff = (vSe + vTau) ** 2 / (vSe ** 2 / dfRule + tauTerm)
  const stretch = tQuantile(1 - level, dfEff) / tQuantile(1 - level, dfRule)
  if (!Number.isFinite(stretch) || (upOnly && !(stretch > 1))) return pooled.logRatios
  const c = loc.estimate
  return pooled.logRatios.map((d) => c + (d - c) * stretch)
}

/** One look of the engine on kept boots: every comparison pooled over `labels` (its blocks' boots), then decided. */
export function decideBoots(
  comps: readonly GatedComparison[],
  labels: readonly number[],
  model: BootModel,
  look: number,
  design: SequentialDesign,
  previous: LookResult | undefined
): LookResult {
  const prior = model.tauPrior * Math.SQRT2
  const pooled =
    model.variant === 'none' || !sharesBoots(labels)
      ? comps
      : comps.map((c): GatedComparison => {
          if (c.kind !== 'paired') return c
          const x =
            model.variant === 'satterthwaite' || model.variant === 'satterthwaite-up'
              ? satterthwaite(c.logRatios, labels, prior, design.passLevels[look], model.variant === 'satterthwaite-up')
              : poolBoots(c.logRatios, labels, prior).logRatios
          return { ...c, logRatios: x }
        })
  return decideAtLook(pooled, look, design, previous, { decisionsOnly: true })
}
