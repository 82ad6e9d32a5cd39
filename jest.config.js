/** ESM + ts-jest, as in actions/checkout v7. Run with NODE_OPTIONS=--experimental-vm-modules. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }]
  },
  transformIgnorePatterns: ['node_modules/(?!(@actions|markdown-table|@octokit|universal-user-agent|before-after-hook)/)'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 120000,
  verbose: false
}
