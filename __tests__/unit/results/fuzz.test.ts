/**
 * Hostile results and history files through the readers (a few hundred seeded cases; the integration
 * lane runs 10,000+ in __tests__/integration/results/fuzz.test.ts). See __tests__/helpers/fuzz.ts.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { clearSecrets, registerSecret } from '../../../src/security/redact.js'
import { runReport } from '../../../src/gate/run-gate.js'
import { fuzzReaders, mutate, validFiles, checkOne, reportConfig } from '../../helpers/fuzz.js'

let dir: string
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-fuzz-'))))
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
  clearSecrets()
})

test('300 seeded mutations of results and history files: read, or refused with a named error', () => {
  const n = fuzzReaders(dir, 300, 31)
  // Both outcomes occur (a fuzzer that only ever produced refusals would prove little about rendering).
  expect(n.accepted).toBeGreaterThan(10)
  expect(n.refused).toBeGreaterThan(100)
}, 120_000)

test.each<[string, string]>([
  ['NaN for a number', '"qps":NaN'],
  ['Infinity', '"qps":Infinity'],
  ['1e999 (Infinity once parsed)', '"qps":1e999']
])('%s is refused with a named error', (_name, replacement) => {
  const { results } = validFiles()
  const text = JSON.stringify(results).replace(/"qps":[0-9.]+/, replacement)
  const file = path.join(dir, 'r.json')
  fs.writeFileSync(file, text)
  checkOne(dir, text, reportConfig())
  expect(fs.existsSync(path.join(dir, 'out'))).toBe(false)
})

test('deep nesting in an extra field is refused before anything walks it', () => {
  const { results } = validFiles()
  const text = mutate(results, [
    { kind: 'key', pick: 0, key: 'extra', value: { raw: `${'['.repeat(100_000)}${']'.repeat(100_000)}` } }
  ])
  checkOne(dir, text, reportConfig())
  expect(fs.existsSync(path.join(dir, 'out'))).toBe(false)
})

test('a __proto__ key in an accepted file stays a plain key (no prototype swap on the redacted copy)', () => {
  // With a secret registered, the report path copies the file through redactDeep.
  registerSecret('a-registered-secret-value')
  const { results } = validFiles()
  const text = mutate(results, [
    { kind: 'key', pick: 0, key: '__proto__', value: { raw: '{"verdict":"pass","polluted":true}' } }
  ])
  expect(checkOne(dir, text, reportConfig())).toBe(true)
  const file = path.join(dir, 'input.json')
  const r = runReport({ ...reportConfig(), resultsFile: file, outputDir: path.join(dir, 'out2') })
  expect(r.ok).toBe(true)
  if (!r.ok) return
  expect(Object.getPrototypeOf(r.results)).toBe(Object.prototype)
  expect(Object.keys(r.results)).toContain('__proto__')
  expect((r.results as unknown as Record<string, unknown>).polluted).toBeUndefined()
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
})
