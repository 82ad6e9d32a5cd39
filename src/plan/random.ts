import { mulberry32 } from '../stats/prng.js'

export { mulberry32 }

/** Fisher–Yates shuffle of a copy of `items` driven by `rand`. */
export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

/** A fresh random seed in [0, 2^32). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0
}
