/** Pure statistics: paired log-ratios, t and sign-flip tests, CIs, Holm. */
export { tCdf, tQuantile } from './distributions.js'
export { mulberry32 } from './prng.js'
export { cpuSecondsPerKiloRequest, metricValue, pairedLogRatios, phaseLoad } from './logRatios.js'
export {
  signFlipTest,
  SIGN_FLIP_EXACT_MAX_N,
  SIGN_FLIP_MONTE_CARLO_DRAWS,
  SIGN_FLIP_SEED,
  type Alternative
} from './signFlip.js'
export { meanSd, pairedTTest, tInterval, type TTestResult } from './tTest.js'
export { holm } from './holm.js'
export { compare, failHypothesis, overheadOf, type CompareOptions } from './compare.js'
