/**
 * The sampler against real process trees: a `sh -c` wrapper around node processes that burn a known
 * amount of CPU (measured by themselves with process.cpuUsage, so machine load does not change it).
 */
import { expect } from '@jest/globals'
import { spawn, type ChildProcess } from 'node:child_process'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { scanTree, startResourceSampler } from '../../../src/service/procstat.js'
import { killGroupAndWait } from '../../helpers/process.js'

const HELPERS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'helpers')
const WAIT_MS = 30_000

interface Group {
  child: ChildProcess
  pid: number
  stdout: () => string
}

/** `sh -c command` in its own process group, as service.ts starts a service. */
function startGroup(command: string): Group {
  const child = spawn('/bin/sh', ['-c', command], {
    cwd: HELPERS,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  if (child.pid === undefined) throw new Error(`could not spawn /bin/sh -c ${command}`)
  return { child, pid: child.pid, stdout: () => out }
}

async function waitForOutput(g: Group, text: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!g.stdout().includes(text)) {
    if (Date.now() > deadline)
      throw new Error(`no '${text}' from the test process within ${WAIT_MS} ms; got: ${g.stdout()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const MiB = 2 ** 20

test("a `sh -c` wrapper still yields the server's CPU and RSS (the tree is summed)", async () => {
  let g: Group | undefined
  try {
    g = startGroup('node burn.mjs 600 hold 32')
    const sampler = startResourceSampler(g.pid, { intervalMs: 100 })
    await waitForOutput(g, 'burned')
    await sleep(250)
    const snapshot = scanTree(g.pid, { clockTick: 100, pageSize: 4096 })
    const usage = sampler.stop()
    // 600 ms burned + node's own start-up (tens of ms); the idle `sh` adds nothing measurable.
    expect(usage.cpuSeconds).toBeGreaterThanOrEqual(0.55)
    expect(usage.cpuSeconds).toBeLessThan(1.3)
    // No absolute floor: on a busy 2-core runner a spinning process may get well under one core.
    expect(usage.cpuPctPeak).toBeGreaterThanOrEqual(usage.cpuPctAvg)
    expect(usage.cpuPctAvg).toBeGreaterThan(0)
    expect(usage.samples).toBeGreaterThanOrEqual(3)
    // node with 32 MiB of touched memory; `sh` alone is a few MiB.
    expect(usage.rssPeakBytes).toBeGreaterThan(40 * MiB)
    const members = [...snapshot.procs.values()]
    expect(members.map((p) => p.pid)).toContain(g.pid)
    expect(members).toHaveLength(2)
    const sh = members.find((p) => p.pid === g?.pid)
    expect(sh?.rssBytes).toBeLessThan(10 * MiB)
    expect(members.reduce((a, p) => a + p.rssBytes, 0)).toBeGreaterThan(40 * MiB)
  } finally {
    await killGroupAndWait(g)
  }
})

test.each([
  ['sampled while they run', 100],
  ['born and reaped between the first and the last sample', 60_000]
])('children that exit during the phase are counted (%s)', async (_what, intervalMs) => {
  let g: Group | undefined
  try {
    g = startGroup('node burn.mjs 300; node burn.mjs 300; echo all-done; exec sleep 30')
    const sampler = startResourceSampler(g.pid, { intervalMs })
    await waitForOutput(g, 'all-done')
    const usage = sampler.stop()
    // A sum over live members only would see ~0 here when nothing was sampled in between.
    expect(usage.cpuSeconds).toBeGreaterThanOrEqual(0.58)
    expect(usage.cpuSeconds).toBeLessThan(1.3)
  } finally {
    await killGroupAndWait(g)
  }
})

test('stop() is idempotent and a gone tree measures nothing', async () => {
  let g: Group | undefined
  try {
    g = startGroup('exit 0')
    await new Promise<void>((r) => g?.child.once('exit', () => r()))
    const sampler = startResourceSampler(g.pid, { intervalMs: 20 })
    await sleep(100)
    const u = sampler.stop()
    expect(u).toMatchObject({ cpuSeconds: 0, rssPeakBytes: 0 })
    expect(u.samples).toBeGreaterThanOrEqual(2)
    expect(sampler.stop()).toBe(u)
  } finally {
    await killGroupAndWait(g)
  }
})

test.each([
  [1, {}, /root pid must be an integer > 1, got '1'/],
  [1.5, {}, /root pid must be an integer > 1, got '1.5'/],
  [1234, { intervalMs: 0 }, /interval must be ≥ 10 ms, got '0'/],
  [
    1234,
    { procRoot: '/nonexistent-proc' },
    /\/nonexistent-proc is not readable \(CPU and RSS sampling needs Linux \/proc\)/
  ]
])('startResourceSampler(%p, %j) throws', (pid, opts, message) => {
  expect(() => startResourceSampler(pid, opts)).toThrow(message)
})
