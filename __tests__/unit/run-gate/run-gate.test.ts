/** The shared gate's pure parts: the one verdict message, and `mode: report` (read, validate, render, write). */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runReport, verdictMessage, type VerdictFacts } from '../../../src/gate/run-gate.js'
import { parseConfig } from '../../../src/config/config.js'
import { clearSecrets, registerSecret } from '../../../src/security/redact.js'
import { sampleResults } from '../../helpers/results.js'

const facts = (over: Partial<VerdictFacts>): VerdictFacts => ({
  verdict: 'pass',
  failCheck: false,
  reasons: ['r1', 'r2'],
  onInconclusive: 'warn',
  ...over
})

describe('verdictMessage', () => {
  test.each([
    ['pass: information with the reasons', facts({}), { level: 'info', text: 'OTLP perf gate: PASS\nr1\nr2' }],
    [
      'fail: a failure with the reasons',
      facts({ verdict: 'fail', failCheck: true }),
      { level: 'failure', text: 'OTLP perf gate: FAIL\nr1\nr2' }
    ],
    [
      'inconclusive, on-inconclusive warn: a warning',
      facts({ verdict: 'inconclusive' }),
      { level: 'warning', text: 'OTLP perf gate inconclusive:\nr1\nr2' }
    ],
    [
      'inconclusive, on-inconclusive fail: a failure',
      facts({ verdict: 'inconclusive', failCheck: true, onInconclusive: 'fail' }),
      { level: 'failure', text: 'OTLP perf gate: INCONCLUSIVE\nr1\nr2' }
    ],
    [
      'inconclusive, on-inconclusive pass: information',
      facts({ verdict: 'inconclusive', onInconclusive: 'pass' }),
      { level: 'info', text: 'OTLP perf gate: INCONCLUSIVE\nr1\nr2' }
    ],
    [
      'error: a failure quoting the error, not the reasons',
      facts({ verdict: 'error', failCheck: true, error: 'boom' }),
      { level: 'failure', text: 'OTLP perf gate could not measure: boom' }
    ],
    [
      'error without a message',
      facts({ verdict: 'error', failCheck: true }),
      { level: 'failure', text: 'OTLP perf gate could not measure: unknown error' }
    ],
    [
      'cancelled: a failure naming the signal and the rounds done',
      facts({ verdict: 'error', error: 'cancelled (SIGTERM) …', cancelled: { signal: 'SIGTERM', roundsDone: 3 } }),
      {
        level: 'failure',
        text: 'OTLP perf gate cancelled (SIGTERM) after 3 completed rounds: partial results written, no verdict'
      }
    ]
  ])('%s', (_name, f, expected) => {
    expect(verdictMessage(f)).toEqual(expected)
  })

  test('no reasons: the verdict line alone', () => {
    expect(verdictMessage(facts({ reasons: [] })).text).toBe('OTLP perf gate: PASS')
  })
})

describe('runReport', () => {
  let dir: string
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-run-report-'))))
  afterEach(() => {
    clearSecrets()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const config = (file: string, outputDir = path.join(dir, 'out')) =>
    parseConfig({ mode: 'report', 'results-file': file, 'output-dir': outputDir })

  test('renders and writes a valid results file, with its verdict message; no history', () => {
    const file = path.join(dir, 'results.json')
    fs.writeFileSync(file, JSON.stringify(sampleResults()))
    const r = runReport(config(file))
    if (!r.ok) throw new Error(r.message)
    expect(r.message).toEqual({ level: 'info', text: 'OTLP perf gate: PASS\nQPS overhead of on@1 within budget' })
    expect(r.paths).toEqual({
      reportPath: path.join(dir, 'out', 'report.md'),
      resultsPath: path.join(dir, 'out', 'results.json'),
      historyPath: null
    })
    expect(fs.readFileSync(r.paths!.reportPath, 'utf8')).toBe(r.markdown)
    expect(r.markdown).toContain('OTLP perf gate')
  })

  test('a known secret in the file is redacted in what is written', () => {
    registerSecret('ghs_secretInTheArtifact99')
    const file = path.join(dir, 'results.json')
    fs.writeFileSync(file, JSON.stringify(sampleResults({ sha: 'b'.repeat(40), ref: 'ghs_secretInTheArtifact99' })))
    const r = runReport(config(file))
    if (!r.ok) throw new Error(r.message)
    expect(fs.readFileSync(r.paths!.resultsPath, 'utf8')).not.toContain('ghs_secretInTheArtifact99')
    expect(r.results.git.ref).not.toContain('ghs_secretInTheArtifact99')
  })

  test('an unusable file is refused, naming the input and the file', () => {
    const file = path.join(dir, 'missing.json')
    const r = runReport(config(file))
    expect(r.ok).toBe(false)
    expect(!r.ok && r.message).toMatch(
      new RegExp(`^'results-file' '${file.replace(/[.]/g, '\\.')}' is not a usable results file: `)
    )
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false)
  })

  test('an output directory that cannot be written: rendered, not written, and why', () => {
    const file = path.join(dir, 'results.json')
    fs.writeFileSync(file, JSON.stringify(sampleResults()))
    fs.writeFileSync(path.join(dir, 'blocker'), '')
    const r = runReport(config(file, path.join(dir, 'blocker', 'out')))
    if (!r.ok) throw new Error(r.message)
    expect(r.paths).toBeNull()
    expect(r.writeError).toMatch(/ENOTDIR|EEXIST/)
    expect(r.markdown).toContain('OTLP perf gate')
  })
})
