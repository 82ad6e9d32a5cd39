/** Pure statistics: paired log-ratios, t and sign-flip tests, t intervals (the decision rule is in src/analysis). */
export { tCdf, tQuantile } from './distributions.js'
export { mulberry32 } from './prng.js'
export { cpuSecondsPerKiloRequest, metricValue, pairedLogRatios, phaseLoad } from './log-ratios.js'
export {
  signFlipTest,
  SIGN_FLIP_EXACT_MAX_N,
  SIGN_FLIP_MONTE_CARLO_DRAWS,
  SIGN_FLIP_SEED,
  type Alternative
} from './sign-flip.js'
export { meanSd, pairedTTest, tInterval, type TTestResult } from './t-test.js'
