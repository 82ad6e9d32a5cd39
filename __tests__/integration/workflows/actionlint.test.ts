/**
 * actionlint (github.com/rhysd/actionlint v1.7.12, run through scripts/actionlint.mjs with `go run`) on
 * every workflow file of examples/ and .github/workflows/: syntax, expressions, job and step references,
 * the inputs of known actions and of this action (`uses: ./`). Needs the Go toolchain and, the first
 * time, the Go module proxy; without `go` this test fails with the script's message rather than skip,
 * since `npm run lint` needs the same toolchain.
 */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { FIXTURE_CACHE_DIR, REPO_ROOT } from '../helpers/fixtures.js'

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'actionlint.mjs')

function actionlint(args: string[] = []): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8' })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

test('every workflow file passes actionlint', () => {
  const r = actionlint()
  expect(r).toMatchObject({ status: 0 })
  expect(r.out).toMatch(/actionlint: \d+ workflow files clean/)
}, 300_000)

test('actionlint catches an input this action does not have', () => {
  // The check above is only worth something if a wrong key would fail it. The probe lies inside the
  // repository (actionlint resolves `uses: ./` from the project root) but outside the linted folders.
  fs.mkdirSync(FIXTURE_CACHE_DIR, { recursive: true })
  const bad = path.join(FIXTURE_CACHE_DIR, `actionlint-probe-${process.pid}.yml`)
  try {
    const ci = fs.readFileSync(path.join(REPO_ROOT, '.github/workflows/ci.yml'), 'utf8')
    fs.writeFileSync(bad, ci.replace('comment: never', 'comment: never\n          max-qps-overheed: 5'))
    const r = actionlint([bad])
    expect(r.status).not.toBe(0)
    expect(r.out).toContain('input "max-qps-overheed" is not defined')
  } finally {
    fs.rmSync(bad, { force: true })
  }
}, 300_000)
