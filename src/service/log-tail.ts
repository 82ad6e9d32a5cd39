/** Bounded tails of service logs for error messages (service output can be huge or have giant lines). */
import * as fs from 'node:fs'
import { redact } from '../security/redact.js'

/** Default number of log lines quoted in errors. */
export const TAIL_LINES = 30
/** Longest quoted line; longer lines are cut and marked. */
export const TAIL_LINE_CHARS = 500
/** Upper bound of a whole quoted tail. */
export const TAIL_MAX_CHARS = 8 * 1024
/** How much of the end of the file is read to build a tail. */
const TAIL_READ_BYTES = 64 * 1024

/**
 * The last `lines` lines of `text`, each cut to `lineChars` characters, the whole cut
 * from the front to `maxChars`. Trailing empty lines are dropped. Pure.
 */
export function formatLogTail(
  text: string,
  lines: number = TAIL_LINES,
  lineChars: number = TAIL_LINE_CHARS,
  maxChars: number = TAIL_MAX_CHARS
): string {
  const all = text.replace(/\r\n/g, '\n').split('\n')
  while (all.length > 0 && all[all.length - 1]!.trim() === '') all.pop()
  const picked = all
    .slice(Math.max(0, all.length - Math.max(0, lines)))
    .map((l) => (l.length > lineChars ? `${l.slice(0, lineChars)}… [${l.length - lineChars} more chars]` : l))
  // Drop whole lines from the front until the tail fits.
  let total = picked.reduce((n, l) => n + l.length + 1, 0)
  let dropped = 0
  while (picked.length > 1 && total > maxChars) {
    total -= picked.shift()!.length + 1
    dropped++
  }
  let out = picked.join('\n')
  if (out.length > maxChars) out = out.slice(out.length - maxChars)
  return dropped > 0 ? `[… ${dropped} earlier lines omitted]\n${out}` : out
}

/**
 * Tail of `file` counting only bytes from `fromOffset` on (the part this run wrote), read
 * from at most the last 64 KiB. Returns '' when the file is missing or empty.
 */
export function readLogTail(file: string, fromOffset = 0, lines: number = TAIL_LINES): string {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch {
    return ''
  }
  try {
    const size = fs.fstatSync(fd).size
    const start = Math.max(fromOffset, size - TAIL_READ_BYTES)
    if (size <= start) return ''
    const buf = Buffer.alloc(size - start)
    const n = fs.readSync(fd, buf, 0, buf.length, start)
    let text = buf.subarray(0, n).toString('utf8')
    // We may have started mid-line: drop the partial first line unless it is all we have.
    if (start > fromOffset) {
      const nl = text.indexOf('\n')
      if (nl >= 0 && nl < text.length - 1) text = text.slice(nl + 1)
    }
    // Every quoted tail ends up in an error, the report or the comment: no secret value may reach them.
    // Before cutting long lines, so that no cut leaves a secret's prefix behind.
    return formatLogTail(redact(text), lines)
  } finally {
    fs.closeSync(fd)
  }
}
