/**
 * The false PASS: a start command that serves nothing (`sleep 600`) and an unrelated
 * listener on the fixed target port. The action must refuse before any load and end in `error`.
 */
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { runActionInProcess } from './action-helpers.js'

test('an imposter on a fixed target port: verdict error before any request reaches it', async () => {
  let requests = 0
  const imposter = http.createServer((_req, res) => {
    requests++
    res.end('ok')
  })
  await new Promise<void>((r) => imposter.listen(0, '127.0.0.1', r))
  const port = (imposter.address() as AddressInfo).port
  const run = await runActionInProcess(
    {
      'start-command': 'sleep 600',
      'target-url': `http://127.0.0.1:${port}/`,
      'round-design': 'sequential',
      'sampling-rates': '1',
      rounds: '3',
      'round-duration': '0.5',
      'warmup-duration': '0',
      'max-qps-overhead': 'none',
      'max-p99-overhead': 'none',
      'max-cpu-overhead': 'none',
      comment: 'never'
    },
    {}
  )
  try {
    expect(run.outputs.verdict).toBe('error')
    expect(run.exitCode).toBe(1)
    const report = fs.readFileSync(run.outputs['report-path'], 'utf8')
    expect(report).toMatch(new RegExp(`port ${port} already in use`))
    // The readiness poll and the load never asked the imposter anything (the free-port probe only connects).
    expect(requests).toBe(0)
  } finally {
    await new Promise((r) => imposter.close(r))
    fs.rmSync(run.dir, { recursive: true, force: true })
  }
}, 60_000)
