// Probe behind src/load/window.ts (issue 11), not part of the test suite: N identical fixture services
// (tracing off) side by side on CPU 0, this process and its load on CPU 1, fresh processes every block.
// Each service gets the old engine's timing — a 2 s warm-up autocannon instance, then a fresh 10 s
// measured instance, QPS = its 2xx / its own elapsed time (each instance stops at autocannon's next
// 100 ms tick) — and the same responses are also counted in one window common to all services. Prints
// the per-block SD of ln(QPS_i / QPS_j) both ways.
//
//   node bench/probes/window-probe.mjs [--services 3] [--blocks 12] [--engine-like] [--gate-load]
//
// --engine-like starts and stops services as the gate does (sh -c 'exec taskset … sh -c …', minimal
// environment, an ephemeral port, SIGTERM to the process group and wait for exit, next block at once).
// --gate-load loads every service with the gate's own runLoad (lib/src/load/load.js, compiled by
// `npx tsc -p tsconfig.bench.json`): one instance per service from the warm-up through one shared window
// (same connections throughout), counted as the gate counts; both columns then show that window.
// The gate's own pieces, one at a time (to find what in the gate makes one process of a pair slower):
// --gate-boot starts each service with the gate's startService (pinning wrapper, the gate's round
// environment via roundEnv, log file, readiness, port and containment checks, SIGTERM stop);
// --gate-rig opens the gate's rig (a receiver worker thread per service, the gate's own pinning of this
// process) instead of this probe's taskset; --gate-sampler runs the gate's /proc CPU sampler on every
// service over the window. All three need --engine-like semantics and imply --gate-load.
// Linux with taskset and ≥ 2 CPUs only; loopback only; every service is killed before the next block.
import { spawn, execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const autocannon = require('autocannon')
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : fallback
}
const N = Number(arg('services', 3))
const BLOCKS = Number(arg('blocks', 12))
const ENGINE_LIKE = process.argv.includes('--engine-like')
const GATE_BOOT = process.argv.includes('--gate-boot')
const GATE_RIG = process.argv.includes('--gate-rig')
const GATE_SAMPLER = process.argv.includes('--gate-sampler')
const SAMPLER_MS = Number(arg('sampler-ms', 200))
// --busy F: a thread of this process spins F of every 10 ms on the load generator's CPU (amplifies
// contention there, to see whether it turns into odd blocks on the services' CPU).
const BUSY = Number(arg('busy', 0))
const GATE_LOAD = process.argv.includes('--gate-load') || GATE_BOOT || GATE_RIG || GATE_SAMPLER || BUSY > 0
const WARM_SEC = 2
const MEASURE_SEC = 10
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/http-service')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const lib = (p) => import(new URL(`../../lib/src/${p}`, import.meta.url).href)
const FIXTURE = 'node --import ./tracing.mjs server.mjs'
const { parseConfig } = await lib('config/config.js')
const config = parseConfig({
  'start-command': FIXTURE,
  'working-directory': dir,
  'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
  'ready-url': 'http://127.0.0.1:{port}/healthz',
  'sampling-rates': 'none',
  'base-start-command': FIXTURE,
  'base-working-directory': dir
})
let rig = null
if (GATE_RIG)
  rig = await (
    await lib('measure/rig.js')
  ).openRig(
    config,
    N,
    () => {},
    (m) => console.error(m)
  )
else execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' })
const pinning = rig?.pinning ?? (await (await lib('service/pinning.js')).planPinning('auto'))
const { startService, findFreePort } = await lib('service/service.js')
const { roundEnv } = await lib('engine.js')
const { armsOf } = await lib('plan/plan.js')
const offArm = armsOf(config).find((a) => a.id === 'off')
const { startResourceSampler } = await lib('service/procstat.js')
let busy = null
if (BUSY > 0) {
  const { Worker } = await import('node:worker_threads')
  busy = new Worker(
    `const f = ${BUSY}; for (;;) { const t = performance.now(); while (performance.now() - t < 10 * f); const u = performance.now(); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 * (1 - f)) }`,
    { eval: true }
  )
  busy.unref()
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
}

async function ready(port) {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return
    } catch {
      // not listening yet: poll again
    }
    await sleep(50)
  }
  throw new Error(`service on port ${port} not ready within 10 s`)
}

function boot(port) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), OTEL_SDK_DISABLED: 'true' }
  return ENGINE_LIKE
    ? spawn('/bin/sh', ['-c', "exec taskset -c 0 /bin/sh -c 'node --import ./tracing.mjs server.mjs'"], {
        cwd: dir,
        env,
        stdio: 'ignore',
        detached: true
      })
    : spawn('taskset', ['-c', '0', 'node', '--import', './tracing.mjs', 'server.mjs'], {
        cwd: dir,
        env,
        stdio: 'ignore',
        detached: true
      })
}

function phase(port, secs, stamps) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    let ok = 0
    const inst = autocannon(
      { url: `http://127.0.0.1:${port}/api/v1/users/42`, connections: 50, duration: secs, sampleInt: 100 },
      () => resolve({ ok, t0, t1: performance.now() })
    )
    inst.on('response', (_c, status) => {
      if (status >= 200 && status < 300) {
        ok++
        stamps.push(performance.now())
      }
    })
  })
}

/** The gate's way: startService with the round environment of an `off` arm, its own log file. */
async function gateBoot(b, i) {
  const port = await findFreePort()
  const endpoint = rig?.receivers[i].endpoint ?? 'http://127.0.0.1:4318'
  const handle = await startService({
    command: pinning.wrap(FIXTURE),
    displayCommand: FIXTURE,
    cwd: dir,
    env: roundEnv(config, offArm, port, endpoint),
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    readyTimeoutMs: 30000,
    logFile: path.join(os.tmpdir(), 'window-probe-logs', `block${b + 1}-${i}.log`),
    port
  })
  return { p: null, handle, port }
}

async function stop(procs) {
  if (GATE_BOOT) {
    await Promise.all(procs.map(({ handle }) => handle.stop()))
    return
  }
  if (!ENGINE_LIKE) {
    for (const { p } of procs) {
      try {
        process.kill(-p.pid, 'SIGKILL')
      } catch {
        // the group is already gone
      }
    }
    await sleep(500)
    return
  }
  await Promise.all(
    procs.map(
      ({ p }) =>
        new Promise((resolve) => {
          p.once('exit', resolve)
          try {
            process.kill(-p.pid, 'SIGTERM')
          } catch {
            resolve()
          }
        })
    )
  )
}

// /proc/stat per CPU: [idle + iowait, total] in ticks; the services' CPU was idle this share of the window.
const idle = []
function cpuTimes() {
  const text = readFileSync('/proc/stat', 'utf8')
  return text
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l))
    .map((l) => {
      const v = l.trim().split(/\s+/).slice(1).map(Number)
      return [v[3] + v[4], v.slice(0, 8).reduce((a, b) => a + b, 0)]
    })
}
const idleShare = (a, b) => a.map((x, i) => (b[i][0] - x[0]) / Math.max(1, b[i][1] - x[1]))
const sd = (xs) => {
  const m = xs.reduce((a, x) => a + x, 0) / xs.length
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1))
}
const own = []
const common = []
for (let b = 0; b < BLOCKS; b++) {
  const procs = []
  try {
    for (let i = 0; i < N; i++) {
      if (GATE_BOOT) {
        procs.push(await gateBoot(b, i))
        continue
      }
      const port = ENGINE_LIKE ? await freePort() : 22000 + b * 10 + i
      procs.push({ p: boot(port), port })
      await ready(port)
    }
    let qOwn, qCommon, runs
    if (GATE_LOAD) {
      const { runLoad } = await import(new URL('../../lib/src/load/load.js', import.meta.url).href)
      const { windowAfter } = await import(new URL('../../lib/src/load/window.js', import.meta.url).href)
      const window = windowAfter(WARM_SEC, MEASURE_SEC)
      let c0
      const hooks = {
        onMeasureStart: () => (c0 = cpuTimes()),
        onMeasureEnd: () => idle.push(idleShare(c0, cpuTimes()))
      }
      const samplerHooks = (pid) => {
        let sampler
        return {
          onMeasureStart: () => (sampler = startResourceSampler(pid, { intervalMs: SAMPLER_MS })),
          onMeasureEnd: () => sampler.stop()
        }
      }
      const both = (a, c) => ({
        onMeasureStart: () => (a.onMeasureStart?.(), c.onMeasureStart?.()),
        onMeasureEnd: () => (a.onMeasureEnd?.(), c.onMeasureEnd?.())
      })
      const loads = await Promise.all(
        procs.map(({ port, p, handle }, i) =>
          runLoad({
            url: `http://127.0.0.1:${port}/api/v1/users/42`,
            connections: 50,
            warmupSec: WARM_SEC,
            durationSec: MEASURE_SEC,
            timeoutSec: 10,
            window,
            ...both(i === 0 ? hooks : {}, GATE_SAMPLER ? samplerHooks(handle?.pid ?? p.pid) : {})
          })
        )
      )
      qOwn = qCommon = loads.map((l) => l.qps)
      runs = loads.map(() => ({ t0: window.startMs, t1: window.endMs }))
    } else {
      runs = await Promise.all(
        procs.map(async ({ port }) => {
          await phase(port, WARM_SEC, [])
          const stamps = []
          return { ...(await phase(port, MEASURE_SEC, stamps)), stamps }
        })
      )
      // The common window: after every measured instance started, before any stopped (100 ms margins).
      const ws = Math.max(...runs.map((r) => r.t0)) + 100
      const we = Math.min(...runs.map((r) => r.t1)) - 100
      qOwn = runs.map((r) => (r.ok / (r.t1 - r.t0)) * 1000)
      qCommon = runs.map((r) => (r.stamps.filter((t) => t >= ws && t < we).length / (we - ws)) * 1000)
    }
    for (let i = 0; i < N; i++) {
      for (let j = i + 1; j < N; j++) {
        own.push(Math.log(qOwn[i] / qOwn[j]))
        common.push(Math.log(qCommon[i] / qCommon[j]))
      }
    }
    const spread = runs.map((r) => `${(r.t0 - runs[0].t0).toFixed(0)}..${(r.t1 - runs[0].t1).toFixed(0)} ms`)
    console.log(
      `block ${b + 1}: own ${qOwn.map((q) => q.toFixed(0)).join(' ')} | common ${qCommon.map((q) => q.toFixed(0)).join(' ')} | start..end offsets ${spread.join(', ')}`
    )
  } finally {
    await stop(procs)
  }
}
await rig?.close()
await busy?.terminate()
const gate = [
  GATE_BOOT && 'boot',
  GATE_RIG && 'rig',
  GATE_SAMPLER && `sampler every ${SAMPLER_MS} ms`,
  BUSY > 0 && `a thread busy ${BUSY * 100} % on the generator's CPU`
].filter(Boolean)
console.log(
  `${new Date().toISOString()} · ${N} services · ${BLOCKS} blocks · ${GATE_BOOT ? "the gate's startService" : ENGINE_LIKE ? 'engine-like start/stop' : 'plain start, SIGKILL'}${GATE_LOAD ? " · the gate's runLoad, one shared window" : ''}${gate.length ? ` · gate pieces: ${gate.join(', ')}` : ''}`
)
if (idle.length > 0)
  console.log(
    `idle share of each CPU over the window, per block: ${idle.map((xs) => xs.map((x) => (x * 100).toFixed(1) + ' %').join(' / ')).join(', ')}`
  )
console.log(
  `pairs more than 3 % apart (one window): ${common.filter((x) => Math.abs(x) > 0.03).length} of ${common.length}`
)
console.log(
  `per-block SD of ln(QPS_i/QPS_j), all pairs: each service timed on its own ${(sd(own) * 100).toFixed(2)} %, one common window ${(sd(common) * 100).toFixed(2)} %`
)
