/**
 * Which fixture languages were built by scripts/fixtures/setup.mjs, and a describe() that runs a
 * language's tests only when its fixtures are ready — otherwise ONE visible skipped test naming why.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file is __tests__/integration/helpers/fixtures.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/** Where scripts/fixtures/setup.mjs writes <lang>.json and the built fixtures. */
export const FIXTURE_CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'otlp-perf-gate', 'fixtures')

/** What setup wrote for a language: ready with its paths, skipped (no toolchain), or failed. */
export type FixtureStatus =
  { ok: true; paths: Record<string, unknown> } | { ok: false; skipped: string } | { ok: false; error: string }

/** Reads <cache>/<lang>.json; a missing or unreadable file is an error telling how to build it. */
export function fixtureStatus(lang: string, cacheDir: string = FIXTURE_CACHE_DIR): FixtureStatus {
  const file = path.join(cacheDir, `${lang}.json`)
  const hint = `run \`node scripts/fixtures/setup.mjs ${lang}\` first`
  let parsed: unknown
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    return {
      ok: false,
      error: `${lang} fixtures not set up: cannot read JSON from ${file} (${e instanceof Error ? e.message : String(e)}); ${hint}`
    }
  }
  if (typeof parsed !== 'object' || parsed === null)
    return { ok: false, error: `${file}: expected a JSON object, got ${JSON.stringify(parsed)}; ${hint}` }
  const { ok, skipped, error, ...paths } = parsed as Record<string, unknown>
  if (ok === true) return { ok: true, paths }
  if (typeof skipped === 'string') return { ok: false, skipped }
  return {
    ok: false,
    error: `${lang} fixture setup failed: ${typeof error === 'string' ? error : JSON.stringify(parsed)}`
  }
}

/**
 * describe(name, fn) when `lang`'s fixtures are ready (fn gets their paths). A missing toolchain
 * registers one skipped test whose name carries the reason; a failed or missing setup registers one
 * FAILING test, so a broken build never passes silently.
 */
export function describeIfFixture(lang: string, name: string, fn: (paths: Record<string, unknown>) => void): void {
  const status = fixtureStatus(lang)
  if (status.ok) {
    describe(name, () => fn(status.paths))
  } else if ('skipped' in status) {
    describe(name, () => test.skip(`skipped: ${status.skipped}`, () => undefined))
  } else {
    const message = status.error
    describe(name, () =>
      test(`${lang} fixtures are available`, () => {
        throw new Error(message)
      })
    )
  }
}
