/**
 * Redaction of secret values from everything that leaves the gate (log tails, errors, report,
 * comment, summary, results JSON). @actions/core masks registered secrets in the job log only and
 * does not expose them, so the gate keeps its own registry and applies `redact` at its boundaries.
 */

/** Names whose values are treated as secrets (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, …). */
export const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL|AUTH|PRIVATE|SESSION/i

/** What a redacted value is replaced with (the runner's own mask). */
export const REDACTED = '***'

/** Shortest value registered explicitly (token, setSecret): shorter strings are not secrets, and hiding them would shred the report. */
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

/** `text` with every registered secret replaced by `***`; longest first, so a secret containing another is hidden whole. */
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
    for (const [k, x] of Object.entries(v)) out[redact(k)] = walk(x)
    return out
  }
  return v
}
