/**
 * Redaction of secret values from everything that leaves the gate (log tails, errors, report,
 * comment, summary, results JSON). @actions/core masks registered secrets in the job log only and
 * does not expose them, so the gate keeps its own registry and applies `redact` at its boundaries.
 */

/** Names whose values are treated as secrets (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, …). */
export const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH|PRIVATE|SESSION/i

/** What a redacted value is replaced with (the runner's own mask). */
export const REDACTED = '***'

/**
 * Shortest value registered explicitly (token, setSecret): shorter strings are not secrets, and hiding them would shred
 * the report.
 */
export const MIN_REGISTERED_LENGTH = 4
/**
 * Shortest value taken from a secret-looking *name*: `AUTH_ENABLED=true` or `KEY_COUNT=16` are not
 * secrets, and redacting every "true" in a report would make it unreadable.
 */
export const MIN_GUESSED_LENGTH = 8

const registry = new Set<string>()

/** Register a secret value (and each of its lines, as the runner does for multi-line secrets). */
export function registerSecret(value: string | undefined, minLength: number = MIN_REGISTERED_LENGTH): void {
  if (typeof value !== 'string') return
  for (const v of [value, ...value.split(/\r?\n/)]) {
    const t = v.trim()
    if (t.length >= minLength) registry.add(t)
  }
}

/** Register the values of every variable whose name looks secret; returns the names found. */
export function registerSecretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  const names: string[] = []
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || !SECRET_NAME.test(k)) continue
    const before = registry.size
    registerSecret(v, MIN_GUESSED_LENGTH)
    if (registry.size > before) names.push(k)
  }
  return names
}

/** Forget every registered value (tests only). */
export function clearSecrets(): void {
  registry.clear()
}

/** Number of registered values (diagnostics and tests). */
export function secretCount(): number {
  return registry.size
}

/**
 * `text` with every registered secret replaced by `***`; longest first, so a secret containing another is hidden whole.
 */
export function redact(text: string): string {
  if (registry.size === 0 || text === '') return text
  let out = text
  for (const s of [...registry].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(REDACTED)
  }
  return out
}

/** A deep copy of plain JSON data with every string (keys included) redacted. */
export function redactDeep<T>(value: T): T {
  if (registry.size === 0) return value
  return walk(value) as T
}

function walk(v: unknown): unknown {
  if (typeof v === 'string') return redact(v)
  if (Array.isArray(v)) return v.map(walk)
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    // defineProperty, not assignment: a '__proto__' key from a hostile file must stay a plain key,
    // never replace the copy's prototype.
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, redact(k), { value: walk(x), enumerable: true, writable: true, configurable: true })
    return out
  }
  return v
}

/** Where a redacting stream sends its output (e.g. a synchronous write to a log file). */
export type ByteSink = (bytes: Buffer) => void

/** A redactor for a byte stream: `push` each chunk as it comes, `end` once at the end. */
export interface StreamRedactor {
  push(chunk: Buffer): void
  end(): void
}

const REDACTED_BYTES = Buffer.from(REDACTED)

/**
 * Redaction of a stream (a service's stdout or stderr) as it is written, so that a log file on disk
 * never holds a registered secret, also when the run is cancelled halfway. A secret split across two
 * chunks is still found: the last (longest secret − 1) bytes of a chunk are held back until the next
 * chunk or the end. Works on bytes (UTF-8 of each secret), so a chunk cut inside a multi-byte
 * character needs no decoding. The secrets are those registered when the redactor is made.
 */
export function streamRedactor(sink: ByteSink): StreamRedactor {
  // Longest first: at equal start, the longer secret wins (as in `redact`).
  const secrets = [...registry].sort((a, b) => b.length - a.length).map((s) => Buffer.from(s, 'utf8'))
  const hold = secrets.reduce((n, s) => Math.max(n, s.length - 1), 0)
  let carry: Buffer = Buffer.alloc(0)
  const flush = (buf: Buffer, final: boolean): Buffer => {
    // A match must start before `limit`, so that any longer secret starting at the same byte is whole in `buf`.
    const limit = final ? buf.length : buf.length - hold
    let pos = 0
    for (;;) {
      let at = -1
      let len = 0
      for (const s of secrets) {
        const i = buf.indexOf(s, pos)
        if (i >= 0 && i < limit && (at < 0 || i < at)) {
          at = i
          len = s.length
        }
      }
      if (at < 0) break
      if (at > pos) sink(buf.subarray(pos, at))
      sink(REDACTED_BYTES)
      pos = at + len
    }
    // No secret starts in [pos, limit): those bytes are safe; what follows may begin a secret.
    const cut = Math.max(pos, limit)
    if (cut > pos) sink(buf.subarray(pos, cut))
    return Buffer.from(buf.subarray(cut))
  }
  return {
    push(chunk) {
      if (secrets.length === 0) {
        if (chunk.length > 0) sink(chunk)
        return
      }
      carry = flush(carry.length === 0 ? chunk : Buffer.concat([carry, chunk]), false)
    },
    end() {
      if (carry.length > 0) flush(carry, true)
      carry = Buffer.alloc(0)
    }
  }
}
