/**
 * Noise model of `npm run sim`: per-block log-ratio noise shapes, all with noise-SD 1 (see
 * docs/bench-notes.md "Simulation"), each centred on what the rule estimates (the typical block).
 */
import { mulberry32 } from '../src/stats/prng.js'

export type Shape = 'normal' | 't3' | 'laplace' | 'exp+' | 'exp-' | 'burst+' | 'burst-'
export const SHAPES: Shape[] = ['normal', 't3', 'laplace', 'exp+', 'exp-', 'burst+', 'burst-']

/** Share of blocks hit by a neighbour's burst, and its size in noise-SDs (bulk SD). */
export const BURST_RATE = 0.1
export const BURST_SIZE = 5

/**
 * Population 20 %-trimmed mean of Exp(1): ((a+1)e^−a − (b+1)e^−b)/(1 − 2γ), a = −ln(1 − γ), b = −ln γ.
 * The skewed shapes are centred here, so "true overhead = budget" means the typical block is at the budget.
 */
export const EXP_TRIMMED_MEAN = expTrimmedMean(0.2)

/** Population γ-trimmed mean of Exp(1) (γ = 0: the mean, 1). */
export function expTrimmedMean(g: number): number {
  if (g === 0) return 1
  const a = -Math.log(1 - g)
  const b = -Math.log(g)
  return ((a + 1) * Math.exp(-a) - (b + 1) * Math.exp(-b)) / (1 - 2 * g)
}

/** Pseudo-median of Exp(1), what Hodges–Lehmann/Wilcoxon estimate: the median of Gamma(2, 1), halved. */
export const EXP_PSEUDO_MEDIAN = 1.678346990016661 / 2

/** A seeded stream of standard normals (Box–Muller on mulberry32). */
export function normals(seed: number): { rand: () => number; normal: () => number } {
  const rand = mulberry32(seed)
  let spare: number | null = null
  const normal = (): number => {
    if (spare !== null) {
      const s = spare
      spare = null
      return s
    }
    let u = 0
    while (u === 0) u = rand()
    const v = rand()
    const r = Math.sqrt(-2 * Math.log(u))
    spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
  return { rand, normal }
}

/**
 * A sampler of one noise shape with noise-SD 1, positive = worse (towards FAIL):
 * normal N(0,1); t3 t₃/√3; laplace with scale 1/√2; exp± ±(Exp(1) − expCentre);
 * burst± N(0,1) plus ±BURST_SIZE in a BURST_RATE share of blocks (noise-SD = SD of the bulk).
 */
export function sampler(
  shape: Shape,
  rng: { rand: () => number; normal: () => number },
  burstSize = BURST_SIZE,
  /** Where the skewed shapes are centred: the estimand of the rule under test (default the 20 % trimmed mean). */
  expCentre = EXP_TRIMMED_MEAN
): () => number {
  const { rand, normal } = rng
  switch (shape) {
    case 'normal':
      return normal
    case 't3':
      return () => {
        const z = normal()
        const chi = normal() ** 2 + normal() ** 2 + normal() ** 2
        return z / Math.sqrt(chi / 3) / Math.sqrt(3)
      }
    case 'laplace':
      return () => {
        const u = rand() - 0.5
        return (-Math.sign(u) * Math.log(1 - 2 * Math.abs(u))) / Math.SQRT2
      }
    case 'exp+':
    case 'exp-': {
      const s = shape === 'exp+' ? 1 : -1
      return () => s * (-Math.log(1 - rand()) - expCentre)
    }
    case 'burst+':
    case 'burst-': {
      const s = shape === 'burst+' ? 1 : -1
      return () => normal() + (rand() < BURST_RATE ? s * burstSize : 0)
    }
  }
}
