#!/usr/bin/env node
// Probe: how large is a process's lifelong speed offset when measured alternating (alone on the core)?
// G generations of a fresh A/A pair (the same command twice, pinned to CPU 0; this script on CPU 1):
// each generation warms both with alternating slices, then measures `cycles` balanced cycles and
// records the per-cycle log-ratio. If processes had no lifelong offset, the spread of the generation
// means would equal the within-generation spread / sqrt(cycles). Uses the compiled lib/ (npx tsc -p
// tsconfig.json --outDir lib). Usage: node bench/probes/process-offset.mjs [generations] [cycles] [fixture]
import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const { runSlicedPhase } = await import(path.join(root, 'lib/measure/sliced.js'))
const { startGatedHttpLoad } = await import(path.join(root, 'lib/load/load.js'))
const G = Number(process.argv[2] ?? 8)
const cycles = Number(process.argv[3] ?? 8)
const fixture = process.argv[4] ?? 'node'
const cmds = {
  node: {
    cwd: path.join(root, 'fixtures/http-service'),
    cmd: ['node', '--import', './tracing.mjs', 'server.mjs'],
    env: { OTEL_SDK_DISABLED: 'true' },
    path: '/api/v1/users/42'
  }
}
const f = cmds[fixture]
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const rows = []
for (let g = 0; g < G; g++) {
  const ports = [3201 + 2 * g, 3202 + 2 * g]
  const procs = ports.map((port) =>
    spawn('taskset', ['-c', '0', ...f.cmd], {
      cwd: f.cwd,
      env: { ...process.env, ...f.env, PORT: String(port) },
      stdio: 'ignore'
    })
  )
  try {
    await sleep(1500)
    const perCycle = [[], []]
    const out = await runSlicedPhase({
      starts: ports.map(
        (p) => (sink) =>
          startGatedHttpLoad({ url: `http://127.0.0.1:${p}${f.path}`, connections: 50, timeoutSec: 10 }, sink)
      ),
      connections: [50, 50],
      mode: 'alternate',
      sliceSec: 1,
      measuredSec: cycles,
      warmup: { kind: 'fixed', sec: 10 },
      drainTimeoutMs: 15000,
      check: () => {},
      onProgress: (i, p) => perCycle[i].push(p.ok)
    })
    const okA = perCycle[0].map((v, i) => v - (perCycle[0][i - 1] ?? 0))
    const okB = perCycle[1].map((v, i) => v - (perCycle[1][i - 1] ?? 0))
    const lr = okA.map((a, i) => Math.log(a / okB[i]))
    const row = {
      g,
      qpsA: out[0].load.qps,
      qpsB: out[1].load.qps,
      logRatio: Math.log(out[0].load.qps / out[1].load.qps),
      perCycle: lr
    }
    rows.push(row)
    console.log(JSON.stringify({ ...row, perCycle: lr.map((x) => +x.toFixed(4)) }))
  } finally {
    for (const p of procs) p.kill()
    await sleep(300)
  }
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
const sd = (xs) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1))
const between = sd(rows.map((r) => r.logRatio))
const within = mean(rows.map((r) => sd(r.perCycle))) / Math.sqrt(cycles)
console.log(
  JSON.stringify({
    at: new Date().toISOString(),
    fixture,
    generations: G,
    cycles,
    betweenGenerationSD: between,
    expectedFromWithin: within,
    processOffsetSD: Math.sqrt(Math.max(0, between ** 2 - within ** 2) / 2)
  })
)
