/**
 * Log files are redacted as they are written (security/redact.ts: streamRedactor): a secret split
 * across chunk boundaries, at any cut, never reaches the sink in clear, and nothing else is changed.
 */
import { clearSecrets, redact, registerSecret, streamRedactor, REDACTED } from '../../../src/security/redact.js'

afterEach(() => clearSecrets())

/** The text pushed through a redactor in the given chunks. */
function through(chunks: Buffer[]): string {
  const out: Buffer[] = []
  const r = streamRedactor((b) => out.push(Buffer.from(b)))
  for (const c of chunks) r.push(c)
  r.end()
  return Buffer.concat(out).toString('utf8')
}

/** `text` cut at the given byte offsets. */
function cut(text: string, at: number[]): Buffer[] {
  const b = Buffer.from(text, 'utf8')
  const points = [0, ...at.filter((p) => p > 0 && p < b.length).sort((x, y) => x - y), b.length]
  return points.slice(1).map((p, i) => b.subarray(points[i], p))
}

test('without secrets the bytes pass unchanged', () => {
  expect(through(cut('hello\nworld\n', [3, 7]))).toBe('hello\nworld\n')
})

test('a secret split at every possible byte (and into single bytes) is hidden; the rest is kept', () => {
  const secret = 'sk-live-0123456789abcdef'
  registerSecret(secret)
  const text = `line one\nAPI_KEY=${secret} and é€ ${secret}\nend`
  const want = redact(text)
  expect(want).toBe(`line one\nAPI_KEY=${REDACTED} and é€ ${REDACTED}\nend`)
  const n = Buffer.byteLength(text)
  for (let i = 1; i < n; i++) expect(through(cut(text, [i]))).toBe(want)
  for (let i = 1; i < n - 5; i += 3) expect(through(cut(text, [i, i + 2, i + 5]))).toBe(want)
  expect(through(cut(text, [...Array(n).keys()]))).toBe(want)
})

test('longest first at the same start, also when the longer one arrives later', () => {
  registerSecret('abcd1234')
  registerSecret('abcd1234-and-more')
  const text = 'x abcd1234-and-more y abcd1234 z'
  for (let i = 1; i < text.length; i++) expect(through(cut(text, [i]))).toBe(`x ${REDACTED} y ${REDACTED} z`)
})

test('a prefix of a secret at the end of the stream is written at the end (it is not the secret)', () => {
  registerSecret('supersecretvalue')
  expect(through(cut('tail: supersecr', [8]))).toBe('tail: supersecr')
})

test('multi-line secrets: each line is hidden', () => {
  registerSecret('-----BEGIN-----\nMIIEowIBAAKCAQEA\n-----END-----')
  expect(through(cut('dump MIIEowIBAAKCAQEA done', [9]))).toBe(`dump ${REDACTED} done`)
})
