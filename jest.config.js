/**
 * ESM + ts-jest, as in actions/checkout v7. Run with NODE_OPTIONS=--experimental-vm-modules.
 *
 * Two lanes, chosen by folder (`npm run test:unit`, `npm run test:integration`; `npm test` runs both):
 * - unit (__tests__/unit/<area>/): pure modules and in-process entry points — no child process, no
 *   socket except in-process fakes on 127.0.0.1.
 * - integration (__tests__/integration/<area>/, __tests__/e2e/): services, load, receivers on real
 *   ports, fixtures in other languages, the bundled action.
 * Helpers shared by both lanes live in __tests__/helpers/.
 * The unit lane runs one worker per core (`--maxWorkers=100%` in package.json): its suites are CPU-bound
 * and independent, and jest's default (cores − 1) left one of two cores idle. Its Monte Carlo suites are
 * split across files (stats.test.ts, gate-outcomes.test.ts) so that the workers share them.
 */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }]
  },
  transformIgnorePatterns: [
    'node_modules/(?!(@actions|markdown-table|@octokit|universal-user-agent|before-after-hook|bottleneck)/)'
  ]
}

const lanes = [
  { ...shared, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
  {
    ...shared,
    displayName: 'integration',
    testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts', '<rootDir>/__tests__/e2e/**/*.test.ts']
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
