import { codeBlock, codeSpan, escapeMarkdown, fmtPct, fmtP } from '../../../src/report/markdown.js'

describe('escapeMarkdown', () => {
  test.each<[string, string]>([
    ['feature/*bold*_x_', 'feature/\\*bold\\*\\_x\\_'],
    ['a|b', 'a\\|b'],
    ['<script>alert(1)</script>', '\\<script\\>alert(1)\\</script\\>'],
    ['[link](http://evil)', '\\[link\\](http://evil)'],
    ['ping @octocat and #123', 'ping &#64;octocat and &#35;123'],
    ['AT&T', 'AT&amp;T'],
    ['# heading', '\\# heading'],
    ['1. list', '1\\. list'],
    ['line1\nline2', 'line1 line2'],
    ['on@0.01', 'on&#64;0.01']
  ])('%s', (raw, escaped) => {
    expect(escapeMarkdown(raw)).toBe(escaped)
  })
})

describe('codeSpan and codeBlock cannot be closed by their content', () => {
  test('code span with backticks inside', () => {
    expect(codeSpan('a`b')).toBe('``a`b``')
    expect(codeSpan('`x`')).toBe('`` `x` ``')
    expect(codeSpan('plain')).toBe('`plain`')
  })
  test('code block fence longer than any run inside', () => {
    const block = codeBlock('log\n```\n</details>\n@here')
    expect(block.startsWith('````text\n')).toBe(true)
    expect(block.endsWith('\n````')).toBe(true)
  })
})

describe('number formatting', () => {
  test('percent and p', () => {
    expect(fmtPct(0.0412)).toBe('4.1%')
    expect(fmtPct(0.0412, { signed: true })).toBe('+4.1%')
    expect(fmtPct(-0.00001, { signed: true })).toBe('0.0%')
    expect(fmtPct(NaN)).toBe('n/a')
    expect(fmtP(0.0004)).toBe('<0.001')
    expect(fmtP(0.0123)).toBe('0.012')
    expect(fmtP(null)).toBe('n/a')
  })
})
