import { BodyBuffer, KEEP_BYTES, appendChunk } from '../../../src/otlp/body.js'

test('appendChunk gathers chunks in order, growing the buffer past its size', () => {
  const pool = new BodyBuffer(4)
  let buf = pool.take(0)
  let used = 0
  for (const text of ['ab', 'cde', 'fghij', 'k']) {
    buf = appendChunk(pool, buf, used, Buffer.from(text))
    used += text.length
  }
  expect(buf.subarray(0, used).toString()).toBe('abcdefghijk')
})

test('the buffer given back is lent again; a second borrower meanwhile gets its own', () => {
  const pool = new BodyBuffer(16)
  const a = pool.take(10)
  const b = pool.take(10)
  expect(b).not.toBe(a)
  pool.give(a)
  expect(pool.take(10)).toBe(a)
})

test('the larger buffer is kept, one over KEEP_BYTES is not', () => {
  const pool = new BodyBuffer(16)
  const small = pool.take(16)
  const big = pool.take(1000)
  pool.give(small)
  pool.give(big)
  expect(pool.take(500)).toBe(big)
  const huge = pool.take(KEEP_BYTES + 1)
  pool.give(huge)
  expect(pool.take(KEEP_BYTES + 1)).not.toBe(huge)
})
