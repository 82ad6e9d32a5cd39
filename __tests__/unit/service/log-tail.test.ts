import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { formatLogTail, readLogTail } from '../../../src/service/log-tail.js'

describe('formatLogTail', () => {
  test('keeps the last N lines and drops trailing blank lines', () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n') + '\n\n'
    const tail = formatLogTail(text, 30)
    const lines = tail.split('\n')
    expect(lines).toHaveLength(30)
    expect(lines[0]).toBe('line 21')
    expect(lines[29]).toBe('line 50')
  })

  test('cuts long lines and says how much was cut', () => {
    const tail = formatLogTail('x'.repeat(1200), 30, 500)
    expect(tail.startsWith('x'.repeat(500) + '…')).toBe(true)
    expect(tail).toContain('700 more chars')
  })

  test('bounds the whole tail, dropping whole lines from the front', () => {
    const text = Array.from({ length: 30 }, (_, i) => `${i}:` + 'y'.repeat(498)).join('\n')
    const tail = formatLogTail(text, 30, 500, 8192)
    expect(tail.length).toBeLessThanOrEqual(8192 + 64)
    expect(tail).toMatch(/^\[… \d+ earlier lines omitted\]\n/)
    expect(tail.endsWith('29:' + 'y'.repeat(497) + '… [1 more chars]')).toBe(true)
  })

  test('handles CRLF and empty input', () => {
    expect(formatLogTail('a\r\nb\r\n')).toBe('a\nb')
    expect(formatLogTail('')).toBe('')
  })
})

describe('readLogTail', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tail-test-'))
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('reads only from the offset on, and nothing for a missing file', () => {
    const f = path.join(dir, 'a.log')
    fs.writeFileSync(f, 'old\n')
    const offset = fs.statSync(f).size
    fs.appendFileSync(f, 'new 1\nnew 2\n')
    expect(readLogTail(f, offset)).toBe('new 1\nnew 2')
    expect(readLogTail(path.join(dir, 'missing.log'))).toBe('')
  })

  test('a huge log is read from its end only, starting at a line boundary', () => {
    const f = path.join(dir, 'big.log')
    const lines = Array.from({ length: 20000 }, (_, i) => `entry ${i}`)
    fs.writeFileSync(f, lines.join('\n') + '\n')
    const tail = readLogTail(f, 0, 5)
    expect(tail).toBe(lines.slice(-5).join('\n'))
  })
})
