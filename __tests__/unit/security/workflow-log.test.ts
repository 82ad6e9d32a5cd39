import { inertBlock, printUntrusted, stopToken } from '../../../src/security/workflow-log.js'
import { clearSecrets, registerSecret } from '../../../src/security/redact.js'

afterEach(() => clearSecrets())

describe('service output printed to the runner log is inert', () => {
  const payload = ['::warning::pwned', '::set-output name=verdict::pass', '::add-mask::x', 'plain line'].join('\n')

  test('framed by stop-commands with a token the text does not contain, resumed after', () => {
    const block = inertBlock(payload)
    const lines = block.split('\n')
    const m = /^::stop-commands::(.+)$/.exec(lines[0])
    expect(m).not.toBeNull()
    const token = m![1]
    expect(payload).not.toContain(token)
    expect(lines[lines.length - 1]).toBe(`::${token}::`)
    // Every command-looking line is strictly between the two frame lines.
    const inner = lines.slice(1, -1)
    expect(inner.join('\n')).toBe(payload)
    expect(lines.filter((l) => l.startsWith('::')).length).toBe(2 + 3)
  })

  test('a token already in the text is never used', () => {
    const tokens = ['aaa', 'bbb']
    const t = stopToken('... otlp-perf-gate-aaa ...', () => tokens.shift()!)
    expect(t).toBe('otlp-perf-gate-bbb')
  })

  test('the text is redacted before it is printed', () => {
    registerSecret('ghs_secret_in_log')
    const printed: string[] = []
    printUntrusted('GITHUB_TOKEN=ghs_secret_in_log', (t) => printed.push(t))
    expect(printed).toHaveLength(1)
    expect(printed[0]).not.toContain('ghs_secret_in_log')
    expect(printed[0]).toContain('GITHUB_TOKEN=***')
  })
})
