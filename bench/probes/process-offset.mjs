#!/usr/bin/env node
// Probe: how large is a process's lifelong speed offset when measured alternating (alone on the core)?
// G generations of a fresh A/A pair (the same command twice, pinned to CPU 0; run this script pinned to CPU 1):
// each generation warms both with alternating slices, then measures `cycles` balanced cycles and
// records the per-cycle log-ratio. If processes had no lifelong offset, the spread of the generation
// means would equal the within-generation spread / sqrt(cycles); the excess is the pair's offset.
// Uses the compiled lib/ (npx tsc -p tsconfig.json --outDir lib).
//
// Usage: node bench/probes/process-offset.mjs [generations=8] [cycles=8] [fixture=node] [--warmup S] [--traced RATE]
//   fixture   node | gin | python | java (the start commands of bench/designs.ts' fixtureInputs; gin, python and
//             java from node_modules/.cache/otlp-perf-gate/fixtures/*.json, made by scripts/fixtures/setup.mjs)
//   --warmup  seconds of warm-up load per process before measuring (default 10; the Java agent fixture needs 120)
//   --traced  both processes traced at this sampling rate, each exporting to its own embedded OTLP/HTTP receiver;
//             without it both get the env of the gate's `off` arm
// Each process is the gate's: the env comes from the gate's own code (parseConfig → armsOf → roundEnv), it boots
// through startService (its own process group, ready URL polled, SIGTERM then SIGKILL to the group).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import jstat from 'jstat'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const lib = (p) => import(path.join(root, 'lib', p))
const { runSlicedPhase } = await lib('measure/sliced.js')
const { startGatedHttpLoad } = await lib('load/load.js')
const { startService, killAllServices, findFreePort } = await lib('service/service.js')
const { shellQuote } = await lib('service/pinning.js')
const { startOtlpReceiver } = await lib('otlp/receiver.js')
const { parseConfig } = await lib('config/config.js')
const { armsOf } = await lib('plan/plan.js')
const { roundEnv } = await lib('gate/engine.js')

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { warmup: { type: 'string', default: '10' }, traced: { type: 'string' } }
})
const G = Number(positionals[0] ?? 8)
const cycles = Number(positionals[1] ?? 8)
const fixture = positionals[2] ?? 'node'
const warmupSec = Number(opt.warmup)
const rate = opt.traced === undefined ? null : Number(opt.traced)
if (!Number.isInteger(G) || G < 2) throw new Error(`generations must be an integer ≥ 2, got '${positionals[0]}'`)
// Balanced cycles come in pairs (slices.ts): an odd count would be rounded by the phase, not by us.
if (!Number.isInteger(cycles) || cycles < 2 || cycles % 2 !== 0)
  throw new Error(`cycles must be an even integer ≥ 2, got '${positionals[1]}'`)
if (!(warmupSec >= 0)) throw new Error(`--warmup must be seconds ≥ 0, got '${opt.warmup}'`)
if (rate !== null && !(rate > 0 && rate <= 1))
  throw new Error(`--traced must be a sampling rate in (0, 1], got '${opt.traced}'`)

/** The fixture's gate inputs: the same start commands as bench/designs.ts' fixtureInputs (a .ts file lib/ lacks). */
function fixtureInputs(name) {
  const cache = path.join(root, 'node_modules/.cache/otlp-perf-gate/fixtures')
  const json = (lang) => {
    const f = path.join(cache, `${lang}.json`)
    if (!fs.existsSync(f))
      throw new Error(`fixture '${name}' is not set up: run node scripts/fixtures/setup.mjs ${lang}`)
    return JSON.parse(fs.readFileSync(f, 'utf8'))
  }
  const http = {
    'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
    'ready-url': 'http://127.0.0.1:{port}/healthz'
  }
  switch (name) {
    case 'node':
      return {
        ...http,
        'start-command': 'node --import ./tracing.mjs server.mjs',
        'working-directory': path.join(root, 'fixtures/http-service')
      }
    case 'gin':
      return { ...http, 'start-command': json('go').gin, 'working-directory': root }
    case 'java':
    case 'python': {
      const j = json(name)
      return {
        ...http,
        'start-command': j.startCommand,
        'working-directory': j.workingDirectory,
        'ready-timeout': String(j.readyTimeoutSeconds ?? 30)
      }
    }
    default:
      throw new Error(`unknown fixture '${name}' (node, gin, python, java)`)
  }
}

const config = parseConfig({ ...fixtureInputs(fixture), 'sampling-rates': String(rate ?? 1) })
const arm = armsOf(config).find((a) => (rate === null ? a.kind === 'off' : a.kind === 'sampled'))
const fillPort = (url, port) => url.replaceAll('{port}', String(port))

/** The exact command line: flock's when flock started us (it holds the whole line), else our own. */
function commandLine() {
  const own = `node ${path.relative(process.cwd(), process.argv[1])} ${process.argv.slice(2).join(' ')}`.trim()
  try {
    const ppid = /PPid:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]
    const parent = fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    if (path.basename(parent[0] ?? '') === 'flock') return parent.join(' ')
  } catch {
    // No /proc (not Linux) or the parent is gone: our own argv is all there is.
  }
  return own
}
const command = commandLine()
const affinity = /Cpus_allowed_list:\s*(\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? null
const file = path.join(root, 'bench/results/process-offset.jsonl')
const logDir = path.join(os.tmpdir(), 'otlp-perf-gate-process-offset')
const common = { fixture, traced: rate ?? false, warmupSec, cycles, command }

// Ctrl-C or a kill of this probe must not leave services behind on CPU 0.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => killAllServices().finally(() => process.exit(130)))

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
const variance = (xs) => xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)

/** One generation: a fresh pair, warmed up and measured alternating; both processes stopped on every path. */
async function generation(g) {
  const receivers = []
  const services = []
  try {
    for (const name of ['A', 'B']) {
      const receiver = rate === null ? null : await startOtlpReceiver()
      if (receiver !== null) receivers.push(receiver)
      const port = await findFreePort()
      const service = await startService({
        // Pinned like the gate's alternating design: every service on CPU 0, the load (this process) elsewhere.
        command: `exec taskset -c 0 /bin/sh -c ${shellQuote(config.startCommand)}`,
        displayCommand: config.startCommand,
        cwd: path.resolve(config.workingDirectory),
        env: roundEnv(config, arm, port, receiver?.endpoint ?? 'http://127.0.0.1:9'),
        readyUrl: fillPort(config.readyUrl, port),
        readyTimeoutMs: config.readyTimeoutSec * 1000,
        logFile: path.join(logDir, `${fixture}-g${g}-${name}.log`),
        port,
        stopGraceMs: config.stopTimeoutSec * 1000
      })
      services.push({ service, port })
    }
    const out = await runSlicedPhase({
      starts: services.map(
        ({ port }) =>
          (sink) =>
            startGatedHttpLoad(
              {
                url: fillPort(config.targetUrl, port),
                connections: config.connections,
                timeoutSec: config.requestTimeoutSec
              },
              sink
            )
      ),
      connections: services.map(() => config.connections),
      mode: 'alternate',
      sliceSec: 1,
      measuredSec: cycles,
      warmup: { kind: 'fixed', sec: warmupSec },
      drainTimeoutMs: (config.requestTimeoutSec + 5) * 1000,
      check: () => services.forEach(({ service }) => service.assertAlive())
    })
    for (const o of out)
      if (o.load.okPerSecond.length !== cycles)
        throw new Error(`expected ${cycles} slices, got ${o.load.okPerSecond.length}`)
    // Per cycle: each process's rate in its own slice (2xx over that slice's measured seconds), A over B.
    const rates = out.map((o) =>
      o.load.okPerSecond.map((ok, k) => ok / ((o.parts[k].endMs - o.parts[k].startMs) / 1000))
    )
    const perCycle = rates[0].map((a, k) => Math.log(a / rates[1][k]))
    const spans = []
    for (const { service } of services) await service.stop()
    for (const r of receivers) spans.push(r.snapshot().spans)
    // A traced pair that delivered no spans measures nothing about tracing: a set-up fault, not a row.
    if (rate !== null && spans.some((s) => !(s > 0))) throw new Error(`a traced process exported no spans: ${spans}`)
    return {
      g,
      qpsA: out[0].load.qps,
      qpsB: out[1].load.qps,
      logRatio: Math.log(out[0].load.qps / out[1].load.qps),
      meanLogRatio: mean(perCycle),
      perCycle,
      errors: out.map((o) => o.load.errors + o.load.timeouts + o.load.non2xx),
      ...(rate !== null ? { spans } : {})
    }
  } finally {
    await Promise.allSettled(services.map(({ service }) => service.stop()))
    await Promise.allSettled(receivers.map((r) => r.close()))
  }
}

const rows = []
try {
  for (let g = 0; g < G; g++) {
    const r = await generation(g)
    const row = { ...common, at: new Date().toISOString(), cpuAffinity: affinity, ...r }
    fs.appendFileSync(file, `${JSON.stringify(row)}\n`)
    rows.push(r)
    console.log(JSON.stringify({ ...r, perCycle: r.perCycle.map((x) => +x.toFixed(4)) }))
  }
} finally {
  await killAllServices()
}

// Within: per-cycle SD pooled over generations (equal df each). Between: SD of the generation means.
const withinVar = mean(rows.map((r) => variance(r.perCycle)))
const perCycleSD = Math.sqrt(withinVar)
const betweenSD = Math.sqrt(variance(rows.map((r) => r.meanLogRatio)))
const predictedSD = perCycleSD / Math.sqrt(cycles)
const tau = (between) => Math.sqrt(Math.max(0, between ** 2 - predictedSD ** 2))
// 90 % interval: (G-1)·between²/σ² is chi-square with G-1 df (normal generation means); the bounds of σ² are
// mapped through tau(). The predicted SD is taken as known: it rests on G·(cycles-1) df, the between SD on G-1.
const df = G - 1
const ci = [0.95, 0.05].map((p) => tau(Math.sqrt((df * betweenSD ** 2) / jstat.chisquare.inv(p, df))))
// Check on independence of cycles: the ABBA order makes a drift alternate in sign from cycle to cycle, which
// inflates the per-cycle SD but cancels in cycle pairs; the pairs' SD predicts the same between SD if cycles are
// independent.
const pairMeans = rows.map((r) => r.perCycle.flatMap((x, k) => (k % 2 === 0 ? [(x + r.perCycle[k + 1]) / 2] : [])))
const predictedFromPairsSD = cycles >= 4 ? Math.sqrt(mean(pairMeans.map(variance)) / (cycles / 2)) : null
const summary = {
  summary: true,
  ...common,
  at: new Date().toISOString(),
  cpuAffinity: affinity,
  generations: G,
  perCycleSD,
  betweenGenerationSD: betweenSD,
  predictedSD,
  predictedFromPairsSD,
  tauPair: tau(betweenSD),
  tauPairCI90: ci,
  tauPairCIMethod: 'chi-square (G-1 df) on the between-generation variance, predicted SD taken as known',
  tauProcess: tau(betweenSD) / Math.SQRT2,
  qps: mean(rows.flatMap((r) => [r.qpsA, r.qpsB]))
}
fs.appendFileSync(file, `${JSON.stringify(summary)}\n`)
console.log(JSON.stringify(summary))
const pct = (x) => `${(100 * x).toFixed(2)} %`
console.log(
  `${fixture} ${rate === null ? 'untraced' : `traced ${rate}`}: per-cycle SD ${pct(perCycleSD)}, between ${pct(betweenSD)}, ` +
    `predicted ${pct(predictedSD)} (from cycle pairs ${predictedFromPairsSD === null ? 'n/a' : pct(predictedFromPairsSD)}), tau_pair ${pct(summary.tauPair)} ` +
    `(90 % ${pct(ci[0])}–${pct(ci[1])}), tau_process ${pct(summary.tauProcess)}`
)
process.exit(0)
