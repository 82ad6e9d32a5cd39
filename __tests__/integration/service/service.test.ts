/** Real processes on loopback: start/stop process groups, readiness, faults, no orphans. */
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  findFreePort,
  killAllServices,
  ServiceError,
  startService,
  type ServiceHandle,
  type ServiceOptions
} from '../../../src/service/service.js'
import { killAllGroupsSync, registeredGroupCount } from '../../../src/service/process-group.js'
import { isRunning, TINY_SERVER, waitFor } from '../../helpers/tiny.js'

let dir: string
const started: ServiceHandle[] = []
const pidsToReap: number[] = []

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svc-test-'))
})

afterEach(async () => {
  await Promise.allSettled(started.splice(0).map((h) => h.stop()))
  for (const pid of pidsToReap.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

afterAll(async () => {
  await killAllServices()
  fs.rmSync(dir, { recursive: true, force: true })
})

const node = JSON.stringify(process.execPath)
const tiny = JSON.stringify(TINY_SERVER)

async function opts(
  over: Partial<ServiceOptions> & { fault?: string; pidFile?: string } = {}
): Promise<ServiceOptions> {
  const port = over.port ?? (await findFreePort())
  const { fault, pidFile, ...rest } = over
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port) }
  if (fault) env.TINY_FAULT = fault
  if (pidFile) env.PID_FILE = pidFile
  return {
    command: `${node} ${tiny}`,
    cwd: dir,
    env,
    readyUrl: `http://127.0.0.1:${port}/ready`,
    readyTimeoutMs: 10_000,
    logFile: path.join(dir, 'logs', `svc-${Math.random().toString(36).slice(2)}.log`),
    port,
    stopGraceMs: 3000,
    ...rest,
    ...(over.env ? { env: { ...env, ...over.env } } : {})
  }
}

async function start(o: ServiceOptions): Promise<ServiceHandle> {
  const h = await startService(o)
  started.push(h)
  return h
}

async function expectServiceError(p: Promise<unknown>, kind: ServiceError['kind']): Promise<ServiceError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(ServiceError)
  expect((err as ServiceError).kind).toBe(kind)
  return err as ServiceError
}

function readPid(file: string): number {
  const pid = Number(fs.readFileSync(file, 'utf8'))
  expect(Number.isInteger(pid) && pid > 0).toBe(true)
  pidsToReap.push(pid)
  return pid
}

test('ready → stop with SIGTERM ends the leader and the grandchild', async () => {
  const pidFile = path.join(dir, 'child-ok.pid')
  // sh leader + node child: the child only dies if the whole group is signalled.
  const o = await opts({ pidFile })
  o.command = `${node} ${tiny} & wait`
  const h = await start(o)
  const child = readPid(pidFile)
  expect(child).not.toBe(h.pid)
  expect(isRunning(h.pid)).toBe(true)
  expect(isRunning(child)).toBe(true)
  expect(() => h.assertAlive()).not.toThrow()

  const res = await h.stop()
  expect(res.killed).toBe(false)
  expect(isRunning(h.pid)).toBe(false)
  expect(isRunning(child)).toBe(false)
  expect(h.logTail()).toContain('listening')
  // Idempotent.
  await expect(h.stop()).resolves.toEqual(res)
  expect(registeredGroupCount()).toBe(0)
})

test('a service that ignores SIGTERM is SIGKILLed after the grace period', async () => {
  const pidFile = path.join(dir, 'child-stubborn.pid')
  const o = await opts({ fault: 'ignore-sigterm', pidFile, stopGraceMs: 300 })
  o.command = `${node} ${tiny} & wait`
  const h = await start(o)
  const child = readPid(pidFile)
  const res = await h.stop()
  expect(res.killed).toBe(true)
  expect(isRunning(h.pid)).toBe(false)
  expect(isRunning(child)).toBe(false)
  expect(h.logTail()).toContain('ignoring SIGTERM')
})

test('exits before ready → exited-before-ready with exit code, URL and log tail', async () => {
  const o = await opts({ fault: 'exit-early' })
  const err = await expectServiceError(startService(o), 'exited-before-ready')
  expect(err.message).toContain('exit code 3')
  expect(err.message).toContain(o.readyUrl)
  expect(err.message).toContain(o.command)
  expect(err.message).toContain('fatal: boom')
  expect(registeredGroupCount()).toBe(0)
})

test('leader exits before ready while its child lives on → the child is killed too', async () => {
  const pidFile = path.join(dir, 'child-orphan.pid')
  const o = await opts({ fault: 'never-ready', pidFile })
  // Wait (bounded) until the child wrote its pid, then let the leader exit with 1.
  o.command = `${node} ${tiny} & i=0; while [ ! -s "$PID_FILE" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; exit 1`
  const err = await expectServiceError(startService(o), 'exited-before-ready')
  expect(err.message).toContain('exit code 1')
  const child = readPid(pidFile)
  expect(isRunning(child)).toBe(false)
})

test('never ready → not-ready within the timeout, and the process is gone', async () => {
  const pidFile = path.join(dir, 'child-never.pid')
  const o = await opts({ fault: 'never-ready', pidFile, readyTimeoutMs: 1500 })
  const err = await expectServiceError(startService(o), 'not-ready')
  expect(err.message).toContain('1500 ms')
  expect(err.message).toContain('HTTP 503')
  expect(err.message).toContain(o.readyUrl)
  expect(err.message).toContain('listening')
  expect(isRunning(readPid(pidFile))).toBe(false)
})

test('port already taken → port-taken before anything is spawned', async () => {
  const blocker = net.createServer()
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
  try {
    const port = (blocker.address() as net.AddressInfo).port
    const pidFile = path.join(dir, 'child-port.pid')
    const o = await opts({ port, pidFile })
    const err = await expectServiceError(startService(o), 'port-taken')
    expect(err.message).toContain(`port ${port} already in use`)
    expect(fs.existsSync(pidFile)).toBe(false)
  } finally {
    await new Promise((r) => blocker.close(r))
  }
})

test('EADDRINUSE in the log of an early exit is called out', async () => {
  const blocker = net.createServer()
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
  try {
    const taken = (blocker.address() as net.AddressInfo).port
    // The gate checks `port` but the service (misconfigured) binds another, taken port.
    const o = await opts({ env: { PORT: String(taken) } })
    const err = await expectServiceError(startService(o), 'exited-before-ready')
    expect(err.message).toContain(`port ${taken} already in use`)
  } finally {
    await new Promise((r) => blocker.close(r))
  }
})

test('crash mid-run → assertAlive throws crashed with the exit code and the log tail', async () => {
  const o = await opts({ fault: 'crash-after=300' })
  const h = await start(o)
  expect(() => h.assertAlive()).not.toThrow()
  const exit = await h.exited
  expect(exit).toEqual({ code: 7, signal: null })
  let thrown: unknown
  try {
    h.assertAlive()
  } catch (e) {
    thrown = e
  }
  expect(thrown).toBeInstanceOf(ServiceError)
  expect((thrown as ServiceError).kind).toBe('crashed')
  expect((thrown as ServiceError).message).toContain('exit code 7')
  expect((thrown as ServiceError).message).toContain('crashing on purpose')
  await expect(h.stop()).resolves.toMatchObject({ code: 7, killed: false })
})

test('bad command → bad-command naming the command', async () => {
  const o = await opts({ command: 'definitely-not-a-command-xyz --port 1' })
  const err = await expectServiceError(startService(o), 'bad-command')
  expect(err.message).toContain('definitely-not-a-command-xyz')
  expect(err.message).toContain('could not find the command')
  expect(err.message).toContain('exit code 127')
})

test('missing working directory → bad-command quoting the path', async () => {
  const o = await opts({ cwd: path.join(dir, 'no-such-dir') })
  const err = await expectServiceError(startService(o), 'bad-command')
  expect(err.message).toContain(path.join(dir, 'no-such-dir'))
})

test('killAllServices stops every live group', async () => {
  const a = await startService(await opts())
  const b = await startService(await opts())
  expect(registeredGroupCount()).toBe(2)
  await killAllServices()
  expect(registeredGroupCount()).toBe(0)
  expect(isRunning(a.pid)).toBe(false)
  expect(isRunning(b.pid)).toBe(false)
})

test('the exit hook path (synchronous SIGKILL of every group) reaches grandchildren', async () => {
  const pidFile = path.join(dir, 'child-exit-hook.pid')
  const o = await opts({ fault: 'ignore-sigterm', pidFile })
  o.command = `${node} ${tiny} & wait`
  const h = await start(o)
  const child = readPid(pidFile)
  killAllGroupsSync()
  expect(await waitFor(() => !isRunning(child) && !isRunning(h.pid), 5000)).toBe(true)
  // Bookkeeping is left to stop(), which now finds the group gone.
  await expect(h.stop()).resolves.toMatchObject({ signal: 'SIGKILL', killed: false })
  expect(registeredGroupCount()).toBe(0)
})

test('findFreePort returns a port that can be bound', async () => {
  const port = await findFreePort()
  expect(port).toBeGreaterThan(0)
  const srv = net.createServer()
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject)
    srv.listen(port, '127.0.0.1', () => resolve())
  })
  await new Promise((r) => srv.close(r))
})

test('a log appended by several rounds only shows this round in the tail', async () => {
  const logFile = path.join(dir, 'logs', 'shared.log')
  fs.mkdirSync(path.dirname(logFile), { recursive: true })
  fs.writeFileSync(logFile, 'line from an earlier round\n')
  const h = await start(await opts({ logFile }))
  await h.stop()
  expect(h.logTail()).toContain('listening')
  expect(h.logTail()).not.toContain('earlier round')
  expect(fs.readFileSync(logFile, 'utf8')).toContain('earlier round')
  // If the process exit hook ever fails to find a group, at least nothing may be left running.
  expect(await waitFor(() => !isRunning(h.pid), 1000)).toBe(true)
})
