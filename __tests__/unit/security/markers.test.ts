import { renderReport, codeBlock, codeSpan, escapeMarkdown } from '../../../src/report/markdown.js'
import { assemble } from '../../../src/report/assemble.js'
import { parseConfig } from '../../../src/config/config.js'
import { clearSecrets, registerSecret } from '../../../src/security/redact.js'

afterEach(() => clearSecrets())

const FORGED = '<!-- otlp-perf-gate:PR perf/perf -->'

describe('no embedded text can forge or open an HTML comment (the sticky marker)', () => {
  test.each([
    ['codeBlock', (t: string) => codeBlock(t)],
    ['codeSpan', (t: string) => codeSpan(t)],
    ['escapeMarkdown', (t: string) => escapeMarkdown(t)]
  ])('%s', (_n, f) => {
    const out = f(`log line ${FORGED} and a closer -->`)
    expect(out).not.toContain('<!--')
    expect(out).not.toContain('-->')
  })

  test('a report whose error, reasons and machine quote a forged marker contains no comment opener', () => {
    const config = parseConfig({ 'start-command': `node s.js ${FORGED}`, 'service-name': FORGED })
    const { report } = assemble(
      config,
      null,
      'error',
      `service crashed\n--- last lines ---\n${FORGED}\n::warning::x`,
      { ref: `refs/heads/${FORGED}`, sha: 'a'.repeat(40) },
      { cpuModel: FORGED, cores: 2, os: 'Linux', node: 'v20', runner: FORGED }
    )
    const md = renderReport({ ...report, reasons: [FORGED] })
    expect(md).toContain('otlp-perf-gate:PR perf/perf')
    expect(md).not.toContain('<!--')
  })

  test('assemble redacts every known secret from the results and the report', () => {
    registerSecret('ghs_leaked_token_1234')
    const config = parseConfig({ 'start-command': 'node s.js' })
    const { report, results } = assemble(
      config,
      null,
      'error',
      'GITHUB_TOKEN=ghs_leaked_token_1234',
      {},
      { cpuModel: 'c', cores: 1, os: 'o', node: 'n', runner: 'r' }
    )
    expect(JSON.stringify(results)).not.toContain('ghs_leaked_token_1234')
    expect(renderReport(report)).not.toContain('ghs_leaked_token_1234')
    expect(renderReport(report)).toContain('GITHUB_TOKEN=***')
  })

  test('the SIGTERM warning is rendered from the results', () => {
    const config = parseConfig({ 'start-command': 'node s.js', 'stop-timeout': '5' })
    const { report, results } = assemble(
      config,
      null,
      'error',
      'x',
      {},
      { cpuModel: 'c', cores: 1, os: 'o', node: 'n', runner: 'r' },
      undefined,
      {
        stops: { stops: 4, forcedKills: 4, waitedMs: 20_000, escaped: 0 }
      }
    )
    expect(results.serviceStops).toEqual({ stops: 4, forcedKills: 4, graceSec: 5, waitedSec: 20, escaped: 0 })
    expect(renderReport(report)).toContain('The service ignored SIGTERM** in 4 of 4 stops')
  })
})
