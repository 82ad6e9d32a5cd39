/**
 * Resource caps on real processes (service/caps.ts): a service that allocates without bound and one
 * that fork-bombs end as named errors ('over-limit') with the round and the log tail, the test process
 * (the gate) is unharmed, and no process and no cgroup is left behind. Which mechanism applies depends
 * on the machine (cgroup v2, through sudo, cgroup v1, or the fallback); the memory watchdog of the
 * fallback is also forced once, since a machine with cgroups would never use it otherwise.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { clearServiceCaps, configureServiceCaps, type CapsInfo } from '../../../src/service/caps.js'
import { findFreePort, ServiceError, startService, type ServiceHandle } from '../../../src/service/service.js'
import { MARKER_VAR, processesWithMarker } from '../../e2e/helpers.js'

const HELPERS = path.resolve('__tests__/helpers')
const MIB = 1024 ** 2

let dir: string
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-caps-'))))
afterEach(() => {
  clearServiceCaps()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Cgroups this process made and did not remove (they are named otlp-perf-gate-<pid>-…). */
function leftoverCgroups(): string[] {
  const roots = ['/sys/fs/cgroup', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified']
  const self = fs.readFileSync('/proc/self/cgroup', 'utf8')
  const parents = new Set<string>()
  for (const root of roots)
    for (const line of self.split('\n')) {
      const p = line.split(':')[2]
      if (p !== undefined) parents.add(path.join(root, p))
    }
  const found: string[] = []
  for (const p of [...parents, ...roots]) {
    try {
      for (const n of fs.readdirSync(p)) if (n.startsWith(`otlp-perf-gate-${process.pid}-`)) found.push(path.join(p, n))
    } catch {
      // Not a cgroup directory here.
    }
  }
  return found
}

async function start(command: string, marker: string, readyTimeoutMs: number): Promise<ServiceHandle> {
  const port = await findFreePort()
  return startService({
    command,
    cwd: HELPERS,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), [MARKER_VAR]: marker },
    readyUrl: `http://127.0.0.1:${port}/`,
    readyTimeoutMs,
    logFile: path.join(dir, 'logs', 'block3-on@1.log'),
    port,
    stopGraceMs: 1000
  })
}

/** The named error of the service, whether it came at the start or while it ran. */
async function capError(command: string, marker: string, readyTimeoutMs: number): Promise<ServiceError> {
  let handle: ServiceHandle
  try {
    handle = await start(command, marker, readyTimeoutMs)
  } catch (e) {
    if (e instanceof ServiceError) return e
    throw e
  }
  try {
    // Ready: the hog allocates until the cap stops it; the leader's exit is the kernel's (or watchdog's) kill.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([handle.exited, new Promise((r) => (timer = setTimeout(r, 60_000)))])
    clearTimeout(timer)
    handle.assertAlive()
    throw new Error('the service was not stopped by its cap within 60 s')
  } catch (e) {
    if (e instanceof ServiceError) return e
    throw e
  } finally {
    await handle.stop()
  }
}

function expectUnharmed(marker: string): void {
  expect(processesWithMarker(marker)).toEqual([])
  expect(leftoverCgroups()).toEqual([])
  // The gate itself goes on: it can still allocate and fork-free work is answered.
  expect(Buffer.alloc(64 * MIB, 1).length).toBe(64 * MIB)
}

test('a service that allocates without bound: named error with the round and the log tail', async () => {
  const info: CapsInfo = configureServiceCaps({ memoryBytes: 256 * MIB, maxProcesses: 512 })
  const marker = randomBytes(8).toString('hex')
  const e = await capError('node memory-hog.mjs', marker, 10_000)
  expect({ kind: e.kind, mechanism: info.mechanism }).toEqual({ kind: 'over-limit', mechanism: info.mechanism })
  expect(e.message).toContain("exceeded 'memory-limit' 256 MiB in block 3, arm on@1")
  expect(e.message).toContain('memory-hog: listening, allocating')
  // The error says which mechanism stopped it (e.g. "cgroup v1").
  expect(e.message).toContain(`(${info.note.split(':')[0]})`)
  expectUnharmed(marker)
}, 90_000)

test('a fork bomb stops at the process cap: named error, every process killed', async () => {
  const info = configureServiceCaps({ memoryBytes: 2 * 1024 * MIB, maxProcesses: 64 })
  // Root is not bound by RLIMIT_NPROC: without a cgroup this machine could not bound a fork bomb at all.
  if (info.mechanism === 'rlimit' && process.getuid?.() === 0)
    throw new Error(`no cgroup for the process cap on this machine (${info.note}); refusing to run a fork bomb`)
  const marker = randomBytes(8).toString('hex')
  const e = await capError('./fork-bomb.sh', marker, 3000)
  expect(e.kind).toBe('over-limit')
  expect(e.message).toContain("exceeded 'max-processes' 64 in block 3, arm on@1")
  expect(e.message).toContain('fork-bomb: forking')
  expectUnharmed(marker)
}, 90_000)

test('the fallback watchdog stops a memory hog where there is no cgroup', async () => {
  const info = configureServiceCaps(
    { memoryBytes: 256 * MIB, maxProcesses: 0 },
    { mountinfo: '', ownCgroup: '', canSudo: () => false, hasPrlimit: () => false }
  )
  expect(info.mechanism).toBe('rlimit')
  const marker = randomBytes(8).toString('hex')
  const e = await capError('node memory-hog.mjs', marker, 10_000)
  expect(e.kind).toBe('over-limit')
  expect(e.message).toContain("exceeded 'memory-limit' 256 MiB in block 3, arm on@1")
  expect(e.message).toContain('no cgroup available')
  expectUnharmed(marker)
}, 90_000)

test('a well-behaved service under the caps is not disturbed', async () => {
  configureServiceCaps({ memoryBytes: 512 * MIB, maxProcesses: 64 })
  const marker = randomBytes(8).toString('hex')
  const port = await findFreePort()
  const h = await startService({
    command: 'node tiny-server.mjs',
    cwd: HELPERS,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), [MARKER_VAR]: marker },
    readyUrl: `http://127.0.0.1:${port}/ready`,
    readyTimeoutMs: 10_000,
    logFile: path.join(dir, 'logs', 'block1-off.log'),
    port
  })
  try {
    const r = await fetch(`http://127.0.0.1:${port}/`)
    expect(r.status).toBe(200)
    expect(() => h.assertAlive()).not.toThrow()
  } finally {
    await h.stop()
  }
  expectUnharmed(marker)
}, 60_000)
