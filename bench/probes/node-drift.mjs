#!/usr/bin/env node
// Probe (issue 30): why does the untraced Node fixture slow down after a minute or two of load within one boot
// (~13 300 → 12 000 requests/s, docs/round-designs.md "Start-up cost left after `auto`")? One fresh process of the
// gate's `off` arm (OTEL_SDK_DISABLED=true, the fixture's own command) pinned to CPU 0 with V8's --trace-gc, the
// closed loop of the gate's default (50 connections, autocannon in this process, which should run pinned to CPU 1)
// in back-to-back windows; per window: requests/s, the process's CPU per request (/proc/PID/stat), RSS, and the
// scavenges and mark-compacts V8 printed in it (count, ms, heap after).
//
//   npx tsc -p tsconfig.json --outDir lib   # the gate's own arm variables come from the compiled lib/
//   flock /tmp/otlp-cpu.lock taskset -c 1 node bench/probes/node-drift.mjs [--windows 18] [--window-sec 10] [--idle-sec 0]
//     [--traced RATE]
//
// --idle-sec S leaves the process idle S seconds after every window, as the alternating design does while it
// loads the other arms (4 s of load per arm per block, then the other arms' slices).
//
// --traced RATE runs the traced arm instead (parent-based ratio RATE), exporting to a local sink that answers
// every OTLP/HTTP export with 200 and discards it (the probe measures the service, not the receiver).
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const { values: opt } = parseArgs({
  options: {
    windows: { type: 'string', default: '18' },
    'window-sec': { type: 'string', default: '10' },
    'idle-sec': { type: 'string', default: '0' },
    traced: { type: 'string' }
  }
})
const windows = Number(opt.windows)
const windowSec = Number(opt['window-sec'])
if (!(Number.isInteger(windows) && windows >= 1 && windows <= 120))
  throw new Error(`--windows: 1..120, got ${opt.windows}`)
if (!(windowSec >= 1 && windowSec <= 60)) throw new Error(`--window-sec: 1..60, got ${opt['window-sec']}`)
const idleSec = Number(opt['idle-sec'])
if (!(idleSec >= 0 && idleSec <= 60)) throw new Error(`--idle-sec: 0..60, got ${opt['idle-sec']}`)

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
const sink = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end())
})
const sinkPort = await listen(sink)
const probe = http.createServer()
const port = await listen(probe)
await new Promise((r) => probe.close(r))

// The gate's own variables for the arm (parseConfig → armsOf → roundEnv, as bench/probes/process-offset.mjs): the
// environment the gate gives its `off` or `on@RATE` process, with the endpoint pointing at the sink.
const lib = (p) => import(path.join(root, 'lib', p))
const { parseConfig } = await lib('config/config.js')
const { armsOf } = await lib('plan/plan.js')
const { roundEnv } = await lib('gate/engine.js')
const serviceDir = path.join(root, 'fixtures/http-service')
const config = parseConfig({
  'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
  'ready-url': 'http://127.0.0.1:{port}/healthz',
  'start-command': 'node --import ./tracing.mjs server.mjs',
  'working-directory': serviceDir,
  'sampling-rates': opt.traced ?? '1'
})
const arm = armsOf(config).find((a) => (opt.traced === undefined ? a.kind === 'off' : a.kind === 'sampled'))
const env = roundEnv(config, arm, port, `http://127.0.0.1:${sinkPort}`)
// The fixture's start command with V8's --trace-gc, pinned to CPU 0 like the gate's services.
const child = spawn('taskset', ['-c', '0', 'node', '--trace-gc', '--import', './tracing.mjs', 'server.mjs'], {
  cwd: serviceDir,
  env,
  stdio: ['ignore', 'pipe', 'pipe']
})
const gc = [] // { t, kind, ms, heapAfter }
let out = ''
child.stdout.on('data', (b) => {
  out += b
  let i
  while ((i = out.indexOf('\n')) >= 0) {
    const line = out.slice(0, i)
    out = out.slice(i + 1)
    // [pid:0x…]    1234 ms: Scavenge 12.3 (15.0) -> 11.1 (16.0) MB, 0.85 / 0.00 ms  (average mu = …)
    const m =
      /(Scavenge|Mark-Compact|Mark-sweep)[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) /.exec(
        line
      )
    if (m)
      gc.push({
        t: Date.now(),
        kind: m[1] === 'Scavenge' ? 'scavenge' : 'mark-compact',
        ms: Number(m[6]),
        heapAfter: Number(m[4])
      })
  }
})
child.stderr.pipe(process.stderr)
const stop = () => child.kill('SIGKILL')
process.on('exit', stop)

const url = `http://127.0.0.1:${port}/api/v1/users/42`
for (let i = 0; i < 300; i++) {
  const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (r) => r.ok,
    () => false
  )
  if (ok) break
  if (i === 299) throw new Error('fixture never became ready')
  await new Promise((r) => setTimeout(r, 100))
}
const ticks = () => {
  const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8')
  // The taskset wrapper execs node, so the pid is node's; fields 14/15 (utime, stime) after the comm's ')'.
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ')
  return Number(rest[11]) + Number(rest[12])
}
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024
console.log(
  `node-drift: ${opt.traced === undefined ? 'untraced (off arm)' : `traced at ${opt.traced}`}, ${windows} × ${windowSec} s` +
    `${idleSec > 0 ? `, ${idleSec} s idle after each` : ''}, 50 connections`
)
console.log(
  '| window | load so far (s) | requests/s | CPU µs per request | RSS MB | scavenges (ms) | mark-compacts (ms) | heap after (MB) |'
)
console.log('| ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |')
let loaded = 0
for (let w = 0; w < windows; w++) {
  const t0 = Date.now()
  const c0 = ticks()
  const r = await autocannon({ url, connections: 50, duration: windowSec })
  const t1 = Date.now()
  const cpuUs = ((ticks() - c0) * 1e6) / 100 // USER_HZ = 100
  const inWin = gc.filter((g) => g.t >= t0 && g.t < t1)
  const sum = (k) => inWin.filter((g) => g.kind === k).reduce((s, g) => s + g.ms, 0)
  const n = (k) => inWin.filter((g) => g.kind === k).length
  const last = inWin.at(-1)
  const reqs = r.requests.total
  loaded += (t1 - t0) / 1000
  console.log(
    `| ${w + 1} | ${loaded.toFixed(0)} | ${(reqs / ((t1 - t0) / 1000)).toFixed(0)} | ${(cpuUs / reqs).toFixed(1)} | ${rss().toFixed(0)} | ${n('scavenge')} (${sum('scavenge').toFixed(0)}) | ${n('mark-compact')} (${sum('mark-compact').toFixed(0)}) | ${last ? last.heapAfter.toFixed(1) : '—'} |`
  )
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`window ${w + 1}: ${r.non2xx} non-2xx, ${r.errors} errors`)
  if (idleSec > 0) await new Promise((res) => setTimeout(res, idleSec * 1000))
}
stop()
sink.close()
