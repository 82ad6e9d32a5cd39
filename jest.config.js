/**
 * ESM + ts-jest, as in actions/checkout v7. Run with NODE_OPTIONS=--experimental-vm-modules.
 *
 * Two lanes, chosen by path (`npm run test:unit`, `npm run test:integration`; `npm test` runs both):
 * - unit: pure modules and in-process entry points — no child process, no socket except in-process
 *   fakes on 127.0.0.1. New ones go under __tests__/unit/.
 * - integration: everything else (services, load, receivers on real ports, the bundled action).
 */
const UNIT = [
  '__tests__/unit/**',
  '__tests__/baseline/**',
  '__tests__/cli/args.test.ts',
  '__tests__/cli/config-file.test.ts',
  '__tests__/cli/progress.test.ts',
  '__tests__/config/**',
  '__tests__/engine/compare-arms.test.ts',
  '__tests__/gate/**',
  '__tests__/github/**',
  '__tests__/grpc/config.test.ts',
  '__tests__/grpc/target.test.ts',
  '__tests__/load/histogram.test.ts',
  '__tests__/otlp/decode.test.ts',
  '__tests__/plan/**',
  '__tests__/report/**',
  '__tests__/resources/procstat.test.ts',
  '__tests__/scenarios/config.test.ts',
  '__tests__/scenarios/scenarios.test.ts',
  '__tests__/service/log-tail.test.ts',
  '__tests__/stats/**'
]

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }]
  },
  transformIgnorePatterns: ['node_modules/(?!(@actions|markdown-table|@octokit|universal-user-agent|before-after-hook|bottleneck)/)']
}

const asTestGlob = (p) => `<rootDir>/${p.endsWith('**') ? `${p}/*.test.ts` : p}`
// testMatch has no working negation: the integration lane ignores the unit paths as regexes instead.
const asIgnoreRegex = (p) => `<rootDir>/${p.replace(/\*\*$/, '').replace(/[.]/g, '\\.')}${p.endsWith('**') ? '' : '$'}`

const lanes = [
  { ...shared, displayName: 'unit', testMatch: UNIT.map(asTestGlob) },
  {
    ...shared,
    displayName: 'integration',
    testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', ...UNIT.map(asIgnoreRegex)]
  }
]

// TEST_LANE=unit|integration picks one lane (npm run test:unit / test:integration). An environment
// variable rather than --selectProjects, whose list would swallow the test paths typed after it.
const lane = process.env.TEST_LANE
if (lane !== undefined && lane !== '' && !lanes.some((l) => l.displayName === lane)) {
  throw new Error(`TEST_LANE must be 'unit' or 'integration' (or unset for both), got '${lane}'`)
}

export default {
  testTimeout: 120000,
  verbose: false,
  projects: lane ? lanes.filter((l) => l.displayName === lane) : lanes
}
