#!/usr/bin/env node
// Demo: run the bundled action (dist/index.js) exactly as the Actions runner would — inputs as INPUT_*
// variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files — against the traced fixture service and the
// embedded OTLP receiver, then print the outputs and the report. Extra inputs: `npm run demo -- rounds=5`.
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'otlp-perf-gate-demo-'))
const inputs = {
  'start-command': 'node --import ./tracing.mjs server.mjs',
  'working-directory': path.join(root, 'fixtures/http-service'),
  'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
  'ready-url': 'http://127.0.0.1:{port}/healthz',
  'service-name': 'fixture-users-api',
  'sampling-rates': '0.01,1',
  rounds: '8',
  'round-duration': '2',
  'warmup-duration': '1',
  'max-qps-overhead': '25',
  'max-p99-overhead': '150',
  'output-dir': path.join(work, 'out')
}
for (const arg of process.argv.slice(2)) {
  const eq = arg.indexOf('=')
  if (eq <= 0) {
    console.error(`demo: arguments are input=value pairs (e.g. rounds=8), got '${arg}'`)
    process.exit(2)
  }
  inputs[arg.slice(0, eq).replace(/^--/, '')] = arg.slice(eq + 1)
}
const env = { ...process.env }
for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v
env.GITHUB_OUTPUT = path.join(work, 'github_output')
env.GITHUB_STEP_SUMMARY = path.join(work, 'step_summary.md')
fs.writeFileSync(env.GITHUB_OUTPUT, '')
fs.writeFileSync(env.GITHUB_STEP_SUMMARY, '')

console.log(`demo: running dist/index.js on the fixture service (work dir ${work})`)
const r = spawnSync(process.execPath, [path.join(root, 'dist/index.js')], {
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
  encoding: 'utf8'
})
// The action's log (round lines, ::group:: markers) goes to stdout; show round progress only.
for (const line of r.stdout.split('\n')) if (/^(round |seed |arms: |CPU pinning|::error)/.test(line)) console.log(line)
console.log('\n--- outputs (GITHUB_OUTPUT) ---')
const out = fs.readFileSync(env.GITHUB_OUTPUT, 'utf8')
for (const m of out.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) console.log(`${m[1]} = ${m[3]}`)
console.log('\n--- job summary (GITHUB_STEP_SUMMARY) ---\n')
console.log(fs.readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8'))
console.log(`demo: the action exited with ${r.status} (${r.status === 0 ? 'check passes' : 'check fails'})`)
