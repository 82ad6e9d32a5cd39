/**
 * Seeded synthetic series for the change-point tests: Gaussian noise (SD 1 around a mean of 100, so a
 * step of k SD is a k % change) with a step, a linear drift or a single outlier.
 */
import { mulberry32 } from '../../src/stats/prng.js'

/** Standard normal draws (Box–Muller) from a seeded mulberry32. */
export function normals(seed: number): () => number {
  const rand = mulberry32(seed)
  return () => {
    const u = 1 - rand()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())
  }
}

export const MEAN = 100
export const SD = 1

export interface SyntheticSeries {
  name: string
  values: number[]
  /** The true change point (first index of the new level), or null when there is none. */
  step: number | null
  /** Size of the step in noise SDs (0 when there is none). */
  sds: number
}

export function noise(seed: number, length: number): number[] {
  const z = normals(seed)
  return Array.from({ length }, () => MEAN + SD * z())
}

export function stepSeries(seed: number, length: number, at: number, sds: number): SyntheticSeries {
  const values = noise(seed, length).map((v, i) => (i >= at ? v + sds * SD : v))
  return { name: `step ${sds} SD at ${at} (seed ${seed})`, values, step: at, sds }
}

export function driftSeries(seed: number, length: number, totalSds: number): SyntheticSeries {
  const values = noise(seed, length).map((v, i) => v + (totalSds * SD * i) / (length - 1))
  return { name: `drift ${totalSds} SD (seed ${seed})`, values, step: null, sds: 0 }
}

export function outlierSeries(seed: number, length: number, at: number, sds: number): SyntheticSeries {
  const values = noise(seed, length).map((v, i) => (i === at ? v + sds * SD : v))
  return { name: `outlier ${sds} SD at ${at} (seed ${seed})`, values, step: null, sds: 0 }
}

/** The cross-check's fixed set: steps of 1–5 SD at several positions and lengths, drifts, single outliers. */
export function crossCheckSet(): SyntheticSeries[] {
  const out: SyntheticSeries[] = []
  let seed = 2700
  for (const sds of [1, 2, 3, 4, 5])
    for (const [length, at] of [
      [30, 15],
      [40, 10],
      [60, 35],
      [120, 70]
    ])
      out.push(stepSeries(seed++, length, at, sds))
  for (const total of [3, 6]) for (const length of [40, 80]) out.push(driftSeries(seed++, length, total))
  for (const sds of [5, 10])
    for (const length of [30, 60]) out.push(outlierSeries(seed++, length, Math.floor(length / 3), sds))
  return out
}
