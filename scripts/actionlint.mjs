#!/usr/bin/env node
// actionlint over every workflow file: .github/workflows/ and examples/. Needs only the Go toolchain:
// `go run module@version` fetches and builds actionlint v1.7.12 through the module proxy the first time
// (a few seconds) and reuses Go's build cache afterwards, so a clean clone needs no separate install.
// shellcheck and pyflakes integrations are off: they run only where those tools happen to be installed,
// and the same commit must give the same answer on a laptop and on a runner.
// Usage: node scripts/actionlint.mjs [files…]   (default: every *.yml / *.yaml in the two folders)
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12'
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Every workflow file of the repository, relative to its root. */
export function workflowFiles() {
  const files = []
  for (const dir of ['.github/workflows', 'examples']) {
    const abs = path.join(root, dir)
    if (!fs.existsSync(abs)) continue
    for (const name of fs.readdirSync(abs).sort()) if (/\.ya?ml$/.test(name)) files.push(path.join(dir, name))
  }
  return files
}

function findGo() {
  for (const go of ['go', '/usr/local/go/bin/go']) {
    const r = spawnSync(go, ['version'], { encoding: 'utf8' })
    if (r.status === 0) return go
  }
  return null
}

const files = process.argv.length > 2 ? process.argv.slice(2) : workflowFiles()
if (files.length === 0) {
  // Without file arguments actionlint would go looking for a project of its own: say so instead.
  console.error('actionlint: no workflow files in .github/workflows or examples')
  process.exit(2)
}
const go = findGo()
if (go === null) {
  console.error('actionlint: needs the Go toolchain (`go` on PATH or /usr/local/go/bin/go) to run ' + ACTIONLINT)
  process.exit(2)
}
const r = spawnSync(go, ['run', ACTIONLINT, '-shellcheck=', '-pyflakes=', ...files], { cwd: root, stdio: 'inherit' })
if (r.status === 0) console.log(`actionlint: ${files.length} workflow files clean`)
process.exit(r.status ?? 1)
