// Probe behind docs/bench-notes.md "What a receiver takes from the load generator" (issue 11 item 4), not
// part of the test suite: how much CPU an OTLP receiver takes from a busy load-generator thread on
// its core. A child process on CPU 1 runs a busy main thread (fixed arithmetic units, one per
// setImmediate, like an event loop that never sleeps) and the gate's receiver, either in a worker
// thread as the gate runs it (`worker`) or on that busy main thread itself (`inproc`). This process,
// on CPU 0, replays a real Node SDK export (151 kB, 512 spans, chunked, one keep-alive connection) at
// 20 exports/s in alternating phases: 2 s quiet, 2 s of exports, 15 times, after 20 s of warm-up
// exports. The share taken = 1 − (units/s with exports ÷ units/s without) in each adjacent pair, so
// the host's speed, which drifts over tens of seconds on this VM, cancels within a pair.
//
//   npx tsc -p tsconfig.bench.json && node lib/bench/probes/receiver-cpu.js --dump /tmp/body.bin
//   node bench/probes/receiver-steal.mjs /tmp/body.bin worker inproc worker inproc      # ~4 min, Linux, ≥ 2 CPUs
//
// Loopback only; the child is killed before the next mode.
import { fork, execFileSync } from 'node:child_process'
import { request, Agent } from 'node:http'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const LIB = new URL('../../lib/src/otlp/', import.meta.url)
const CYCLES = 15
const PER_SECOND = 20
const SPANS = 512
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function child(mode) {
  let port
  if (mode === 'inproc') {
    const { startOtlpReceiver } = await import(new URL('receiver.js', LIB).href)
    port = (await startOtlpReceiver({})).port
  } else if (mode === 'worker') {
    const { startWorkerReceiver, findReceiverWorkerFile } = await import(new URL('worker-host.js', LIB).href)
    const file = findReceiverWorkerFile(new URL('worker-host.js', LIB).href)
    if (file === null) throw new Error('no lib/src/otlp/worker-main.js: run npx tsc -p tsconfig.bench.json first')
    port = (await startWorkerReceiver({}, file)).port
  } else throw new Error(`mode: expected worker or inproc, got '${mode}'`)
  const arr = new Float64Array(2000).map((_, i) => i)
  const marks = []
  let units = 0
  const unit = () => {
    let s = 0
    for (let k = 0; k < 10; k++) for (let i = 0; i < arr.length; i++) s += arr[i] * 1.0000001
    units++
    if (s < 0) console.log(s)
    setImmediate(unit)
  }
  setImmediate(unit)
  process.on('message', (m) => {
    if (m === 'mark') marks.push([performance.now(), units])
    if (m === 'marks') process.send(marks)
    if (m === 'exit') process.exit(0)
    if (m === 'mark') process.send('ok')
  })
  process.send({ port })
}

async function replay(agent, port, body, seconds) {
  const total = Math.round(PER_SECOND * seconds)
  const start = Date.now()
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / PER_SECOND - Date.now()
    if (wait > 0) await sleep(wait)
    await new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/traces',
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/x-protobuf' }
        },
        (res) => {
          res.resume()
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`receiver answered ${res.statusCode}`))
          )
        }
      )
      req.on('error', reject)
      req.write(body) // no Content-Length: chunked, as the SDK sends
      req.end()
    })
  }
  const rest = start + seconds * 1000 - Date.now()
  if (rest > 0) await sleep(rest)
}

async function measure(mode, body) {
  const ch = fork(fileURLToPath(import.meta.url), ['--child', mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ask = (m) =>
    new Promise((r) => {
      ch.once('message', r)
      ch.send(m)
    })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const { port } = await new Promise((r) => ch.once('message', r))
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(ch.pid)], { stdio: 'ignore' })
    await replay(agent, port, body, 20)
    for (let c = 0; c < CYCLES; c++) {
      // Quiet 2 s, then 2 s of exports; 300 ms after each switch are not counted.
      await sleep(300)
      await ask('mark')
      await sleep(1700)
      await ask('mark')
      const busy = replay(agent, port, body, 2.3)
      await sleep(300)
      await ask('mark')
      await sleep(1700)
      await ask('mark')
      await busy
    }
    const mk = await ask('marks')
    const shares = []
    for (let c = 0; c < CYCLES; c++) {
      const [a, b, x, y] = mk.slice(c * 4, c * 4 + 4)
      shares.push(1 - (y[1] - x[1]) / (y[0] - x[0]) / ((b[1] - a[1]) / (b[0] - a[0])))
    }
    return shares.sort((p, q) => p - q)
  } finally {
    agent.destroy()
    ch.send('exit')
    await new Promise((r) => (ch.exitCode !== null ? r() : ch.once('exit', r)))
  }
}

if (process.argv[2] === '--child') await child(process.argv[3])
else {
  const body = readFileSync(process.argv[2])
  execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
  console.log(
    `${new Date().toISOString()} · ${body.length} B export of ${SPANS} spans at ${PER_SECOND}/s · ${CYCLES} quiet/busy pairs of 1.7 s`
  )
  for (const mode of process.argv.slice(3)) {
    const s = await measure(mode, body)
    const med = s[Math.floor(s.length / 2)]
    const us = (med * 1e6) / PER_SECOND
    console.log(
      `${mode}: median share taken ${(med * 100).toFixed(2)} % of the core = ${us.toFixed(0)} µs per export = ${(us / SPANS).toFixed(2)} µs per span; pairs: ${s.map((v) => (v * 100).toFixed(1)).join(' ')}`
    )
  }
}
