/**
 * Boot and stop the user's service: one detached process group per round, readiness
 * polling, log capture, and cleanup that reaches grandchildren (e.g. `npm start` → node).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import * as net from 'node:net'
import * as path from 'node:path'
import { readLogTail, TAIL_LINES } from './log-tail.js'
import { redact, streamRedactor } from '../security/redact.js'
import {
  acceptingGroups,
  groupAlive,
  readStat,
  registerGroup,
  signalGroup,
  stopAllGroups,
  unregisterGroup
} from './process-group.js'
import { environHasTag, findTagged, killTaggedSync, newRoundTag, ROUND_TAG_VAR } from './containment.js'
import { commandOf, portOwnership } from './ownership.js'
import { formatBytes, serviceCaps, type CapHit, type Confinement } from './caps.js'

/** How to start one instance of the service. */
export interface ServiceOptions {
  /** Shell command line, run with `/bin/sh -c`, e.g. `node --import ./tracing.mjs server.mjs` or `npm start`. */
  command: string
  /** The command as the user wrote it, for messages (the gate may wrap it, e.g. in taskset). */
  displayCommand?: string
  cwd: string
  /** Full environment of the service (the caller merges process.env and the arm's env). */
  env: Record<string, string>
  /** Polled with GET until it answers 2xx (unless `readyCheck` is given). */
  readyUrl: string
  /**
   * Replaces the GET of `readyUrl`, e.g. a gRPC call for gRPC targets: polled like it until `ok`;
   * `label` says what is awaited in messages, `detail` is the "last poll" of a failure.
   */
  readyCheck?: { label: string; probe: (timeoutMs: number) => Promise<{ ok: boolean; detail: string }> }
  readyTimeoutMs: number
  /** stdout and stderr are appended here (parent directory created). */
  logFile: string
  /** The port the service must bind (already in env as PORT); checked to be free before spawning. */
  port: number
  /**
   * Fixed ports the load or readiness check connects to (a URL without `{port}`): each must be free
   * before the service starts and, once it is ready, listened on only by the service's own processes.
   */
  ownedPorts?: readonly number[]
  /** SIGTERM → wait this long → SIGKILL. Default 5000. */
  stopGraceMs?: number
  log?: (m: string) => void
}

/** Leader exit status. */
export interface ExitInfo {
  code: number | null
  signal: string | null
}

/** A running service. */
export interface ServiceHandle {
  /** Pid of the process group leader (`/bin/sh`), which is also the process group id. */
  pid: number
  /** The log file this instance appends to. */
  logFile: string
  /** Throws ServiceError('crashed', …) with the log tail if the process group leader has exited. */
  assertAlive(): void
  /** Resolves once the leader has exited. */
  readonly exited: Promise<ExitInfo>
  /** SIGTERM to the whole group, SIGKILL after the grace period; idempotent; resolves when gone. */
  stop(): Promise<ExitInfo & { killed: boolean }>
  /** Last lines this instance wrote to its log (bounded, see log-tail.ts). */
  logTail(lines?: number): string
}

/** What went wrong while starting or running the service. */
export type ServiceErrorKind =
  | 'exited-before-ready'
  | 'not-ready'
  | 'port-taken'
  | 'port-not-owned'
  | 'crashed'
  | 'bad-command'
  | 'cancelled'
  /** The service hit 'memory-limit' or 'max-processes' (service/caps.ts). */
  | 'over-limit'

/** A service failure; the message names the command, the cause and ends with the log tail. */
export class ServiceError extends Error {
  readonly kind: ServiceErrorKind
  constructor(kind: ServiceErrorKind, message: string) {
    super(message)
    this.name = 'ServiceError'
    this.kind = kind
  }
}

const DEFAULT_STOP_GRACE_MS = 5000
/** After SIGKILL the group should vanish almost at once; bound the wait anyway. */
const KILL_WAIT_MS = 5000
const READY_POLL_MS = 50
const READY_REQUEST_TIMEOUT_MS = 1000
const GROUP_POLL_MS = 25
const PORT_CHECK_TIMEOUT_MS = 1000
/** How long the leader's exit waits for the service's last output to reach the log. */
const LOG_DRAIN_MS = 1000

/** The command for messages: what the user wrote, not the gate's wrapper. */
function shown(opts: ServiceOptions): string {
  return opts.displayCommand ?? opts.command
}

/** Refuse to start when the run is cancelled, the directory is missing or a port the service needs is taken. */
async function checkCanStart(opts: ServiceOptions): Promise<void> {
  validateOptions(opts)
  if (!acceptingGroups())
    throw new ServiceError('cancelled', `Not starting service \`${shown(opts)}\`: the run was cancelled.`)
  if (!isDirectory(opts.cwd)) {
    throw new ServiceError(
      'bad-command',
      `Cannot start service \`${shown(opts)}\`: working directory '${opts.cwd}' does not exist or is not a directory.`
    )
  }
  await assertPortsFree(opts)
}

/**
 * `/bin/sh -c command` in its own process group, tagged; returns where this run's log starts and a
 * promise that settles once its output is all in the log. stdout and stderr come through pipes and are
 * redacted as they are written (security/redact.ts: streamRedactor), so the log file under output-dir
 * never holds a secret in clear, also when the run is cancelled or the gate killed midway. Why not a
 * file descriptor as before: the kernel would write the service's output unredacted.
 */
function spawnGroup(
  opts: ServiceOptions,
  tag: string
): { child: ChildProcess; logStart: number; logsDone: Promise<void> } {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true })
  const fd = fs.openSync(opts.logFile, 'a')
  fs.writeSync(fd, redact(`[otlp-perf-gate] ${new Date().toISOString()} $ ${opts.command}  (cwd ${opts.cwd})\n`))
  const logStart = fs.fstatSync(fd).size
  let child: ChildProcess
  try {
    child = spawn('/bin/sh', ['-c', opts.command], {
      cwd: opts.cwd,
      env: { ...opts.env, [ROUND_TAG_VAR]: tag },
      // Own process group: process.kill(-pid) then reaches everything the command starts.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })
  } catch (e) {
    fs.closeSync(fd)
    throw e
  }
  // Synchronous writes: a log tail read right after the service died sees everything it wrote.
  const write = (b: Buffer): void => {
    try {
      fs.writeSync(fd, b)
    } catch {
      // A full disk must not crash the gate; the round fails on its own merits.
    }
  }
  const drained = [child.stdout, child.stderr].map(
    (stream) =>
      new Promise<void>((resolve) => {
        if (stream === null) return resolve()
        const r = streamRedactor(write)
        stream.on('data', (c: Buffer) => r.push(c))
        stream.once('error', () => {})
        stream.once('close', () => {
          r.end()
          resolve()
        })
      })
  )
  const logsDone = Promise.all(drained).then(() => fs.closeSync(fd))
  return { child, logStart, logsDone }
}

/** The leader's exit as a promise plus what is known so far (exit status, spawn error). */
function watchExit(
  child: ChildProcess,
  logsDone: Promise<void>
): {
  exited: Promise<ExitInfo>
  exitInfo: () => ExitInfo | null
  spawnError: () => Error | null
} {
  let exitInfo: ExitInfo | null = null
  let spawnError: Error | null = null
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      // The exit is known once the last output is in the log (the tail of a crash quotes it), or
      // after a bound: a descendant that left the group may hold the pipes open.
      let timer: NodeJS.Timeout | undefined
      void Promise.race([logsDone, new Promise<void>((r) => (timer = setTimeout(r, LOG_DRAIN_MS)))]).then(() => {
        clearTimeout(timer)
        exitInfo = { code, signal }
        resolve(exitInfo)
      })
    })
    child.once('error', (err) => {
      spawnError = err
      // 'exit' never comes when the spawn itself failed.
      if (child.pid === undefined) {
        exitInfo = { code: null, signal: null }
        resolve(exitInfo)
      }
    })
  })
  return { exited, exitInfo: () => exitInfo, spawnError: () => spawnError }
}

/** The ServiceError of a start that failed (readiness or port ownership), with the log tail. */
function startFailure(
  err: unknown,
  opts: ServiceOptions,
  info: ExitInfo | null,
  logTail: () => string,
  withTail: (m: string) => string
): unknown {
  if (err instanceof ReadyFailure) {
    if (err.kind === 'exited-before-ready' && info !== null && (info.code === 127 || info.code === 126)) {
      const why = info.code === 127 ? 'the shell could not find the command' : 'the command is not executable'
      return new ServiceError(
        'bad-command',
        withTail(
          `Service command \`${shown(opts)}\` failed to start: ${why} (exit code ${info.code}, cwd ${opts.cwd}).`
        )
      )
    }
    return new ServiceError(
      err.kind,
      withTail(err.message + (err.kind === 'exited-before-ready' ? addrInUseHint(logTail(), opts.port) : ''))
    )
  }
  if (err instanceof ServiceError) return new ServiceError(err.kind, withTail(err.message))
  return err
}

/**
 * Start `command` in its own process group and wait until `readyUrl` answers 2xx.
 * On any failure the group is killed before the ServiceError is thrown.
 */
export async function startService(opts: ServiceOptions): Promise<ServiceHandle> {
  const log = opts.log ?? (() => {})
  await checkCanStart(opts)
  const stopGraceMs = opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS
  // Inherited by every descendant, also those that leave the process group (setsid, double fork).
  const tag = newRoundTag()
  const { confinement, pid, logStart, exited, exitInfo } = await spawnConfined(opts, tag)
  log(`service started: pid ${pid}, \`${shown(opts)}\`, log ${opts.logFile}`)

  const logTail = (lines: number = TAIL_LINES): string => readLogTail(opts.logFile, logStart, lines)
  const withTail = (msg: string): string => {
    const tail = logTail()
    return (
      `${msg}\n--- last ${TAIL_LINES} lines of ${opts.logFile} ` +
      `---\n${tail === '' ? '(the service wrote nothing)' : tail}`
    )
  }

  let stopRequested = false
  let stopPromise: Promise<ExitInfo & { killed: boolean }> | null = null
  const stop = (): Promise<ExitInfo & { killed: boolean }> => {
    if (stopPromise === null) {
      stopRequested = true
      // The cgroup goes last: whatever is still in it (a fork bomb racing the signals) is killed there.
      stopPromise = stopGroup(pid, tag, exited, stopGraceMs, log).finally(() => confinement.dispose())
    }
    return stopPromise
  }
  registerGroup({ pgid: pid, tag, stop })
  // Forget a group whose leader exited and that has no member left (no pgid reuse later).
  void exited.then(() => {
    if (!stopRequested && !groupAlive(pid) && findTagged(tag).length === 0) unregisterGroup(pid)
  })

  const handle: ServiceHandle = {
    pid,
    logFile: opts.logFile,
    exited,
    stop,
    logTail,
    assertAlive() {
      // A cap hit is the cause even when the leader survived it (a fork that failed, a child OOM-killed).
      const hit = confinement.hit()
      if (hit !== null) throw overLimit(opts, hit, withTail)
      const info = exitInfo()
      if (info === null) return
      const how = describeExit(info)
      throw new ServiceError(
        'crashed',
        withTail(
          stopRequested
            ? `Service \`${shown(opts)}\` (pid ${pid}) is not running: it was stopped (${how}).`
            : `Service \`${shown(opts)}\` (pid ${pid}) crashed while being measured: ` +
                `${how}.${addrInUseHint(logTail(), opts.port)}`
        )
      )
    }
  }

  try {
    await waitReady(opts, exited, exitInfo)
    assertPortsOwned(opts, pid, tag)
  } catch (err) {
    await stop().catch((stopErr: unknown) => log(`could not stop service after failed start: ${String(stopErr)}`))
    throw failedStartError(err, opts, confinement, exitInfo(), logTail, withTail)
  }
  log(`service ready: ${opts.readyCheck?.label ?? opts.readyUrl}`)
  return handle
}

/** A process group started under its caps (spawnConfined). */
interface SpawnedGroup {
  confinement: Confinement
  pid: number
  /** Where this instance's output starts in the log file. */
  logStart: number
  exited: Promise<ExitInfo>
  exitInfo: () => ExitInfo | null
}

/** Spawn the command in its process group under the run's caps; no pid means /bin/sh itself could not start. */
async function spawnConfined(opts: ServiceOptions, tag: string): Promise<SpawnedGroup> {
  const confinement = confine(opts)
  let spawned: ReturnType<typeof spawnGroup>
  try {
    spawned = spawnGroup({ ...opts, command: confinement.wrap(opts.command) }, tag)
  } catch (e) {
    confinement.dispose()
    throw e
  }
  const { child, logStart, logsDone } = spawned
  const { exited, exitInfo, spawnError } = watchExit(child, logsDone)
  const pid = child.pid
  if (pid === undefined) {
    await exited
    confinement.dispose()
    throw new ServiceError(
      'bad-command',
      `Cannot start service \`${shown(opts)}\`: spawning /bin/sh failed: ${spawnError()?.message ?? 'unknown error'}`
    )
  }
  confinement.started(pid)
  return { confinement, pid, logStart, exited, exitInfo }
}

/** Why a started service never became ready, read after its group was stopped. */
function failedStartError(
  err: unknown,
  opts: ServiceOptions,
  confinement: Confinement,
  info: ExitInfo | null,
  logTail: (lines?: number) => string,
  withTail: (msg: string) => string
): unknown {
  // Read after the stop: the kernel's counters are final once the group is gone.
  const hit = confinement.hit()
  if (hit !== null) return overLimit(opts, hit, withTail)
  if (info?.code === 125 && opts.command !== confinement.wrap(opts.command))
    return new ServiceError(
      'bad-command',
      withTail(
        `Service \`${shown(opts)}\` could not be put under its resource caps (the shell could not join the cgroup, ` +
          `exit code 125).`
      )
    )
  return startFailure(err, opts, info, logTail, withTail)
}

/** The caps of this instance: the run's (service/caps.ts), or none. */
function confine(opts: ServiceOptions): Confinement {
  const none: Confinement = { wrap: (c) => c, started: () => {}, hit: () => null, dispose: () => {} }
  const caps = serviceCaps()
  if (caps === null || caps.info.mechanism === 'off') return none
  try {
    return caps.confine(path.basename(opts.logFile, '.log'))
  } catch (e) {
    throw new ServiceError(
      'bad-command',
      `Cannot start service \`${shown(opts)}\` under its resource caps: ${e instanceof Error ? e.message : String(e)}`
    )
  }
}

/** " in block 3, arm on@1" from the log file's name (round.ts names it block<N>-<arm>[-p<k>].log), or ''. */
export function roundOfLog(logFile: string): string {
  const m = /^block(\d+)-(.+?)(?:-p(\d+))?\.log$/.exec(path.basename(logFile))
  return m === null ? '' : ` in block ${m[1]}, arm ${m[2]}${m[3] !== undefined ? ` (process ${m[3]})` : ''}`
}

/** The named error of a service stopped by its cap. */
function overLimit(opts: ServiceOptions, hit: CapHit, withTail: (m: string) => string): ServiceError {
  const caps = serviceCaps()?.info
  const how = caps?.note.split(':')[0] ?? 'the gate'
  const what =
    hit === 'memory'
      ? `exceeded 'memory-limit' ${formatBytes(caps?.memoryBytes ?? 0)}${roundOfLog(opts.logFile)}: it was killed at ` +
        `the cap (${how})`
      : `exceeded 'max-processes' ${caps?.maxProcesses ?? 0}${roundOfLog(opts.logFile)}: a fork or thread creation ` +
        `failed at the cap (${how})`
  return new ServiceError(
    'over-limit',
    withTail(
      `Service \`${shown(opts)}\` ${what}. Raise '${hit === 'memory' ? 'memory-limit' : 'max-processes'}' if the ` +
        `service needs more, or fix the leak; the caps are the same for every arm.`
    )
  )
}

/** Gracefully stop every service still running (for the entry point's finally). */
export async function killAllServices(): Promise<void> {
  await stopAllGroups()
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : NaN
      srv.close(() =>
        Number.isInteger(port)
          ? resolve(port)
          : reject(new Error(`could not read the port of a probe socket: ${String(addr)}`))
      )
    })
  })
}

class ReadyFailure extends Error {
  constructor(
    readonly kind: 'exited-before-ready' | 'not-ready',
    message: string
  ) {
    super(message)
  }
}

function validateOptions(opts: ServiceOptions): void {
  if (typeof opts.command !== 'string' || opts.command.trim() === '') {
    throw new ServiceError(
      'bad-command',
      `Service command must be a non-empty shell command line, got '${String(opts.command)}'.`
    )
  }
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
    throw new Error(`Service port must be an integer in 1..65535, got '${String(opts.port)}'.`)
  }
  if (!Number.isFinite(opts.readyTimeoutMs) || opts.readyTimeoutMs <= 0) {
    throw new Error(`Service readiness timeout must be a positive number of ms, got '${String(opts.readyTimeoutMs)}'.`)
  }
  if (opts.stopGraceMs !== undefined && (!Number.isFinite(opts.stopGraceMs) || opts.stopGraceMs < 0)) {
    throw new Error(`Service stop grace must be a non-negative number of ms, got '${String(opts.stopGraceMs)}'.`)
  }
  let url: URL
  try {
    url = new URL(opts.readyUrl)
  } catch {
    throw new Error(`Service readiness URL is not a valid URL: '${opts.readyUrl}'.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Service readiness URL must be http(s), got '${opts.readyUrl}'.`)
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}

/** 'free' when 127.0.0.1:port refuses connections. */
function probePort(port: number): Promise<'free' | 'connected' | 'no-refusal'> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port })
    const done = (r: 'free' | 'connected' | 'no-refusal'): void => {
      clearTimeout(timer)
      sock.destroy()
      resolve(r)
    }
    const timer = setTimeout(() => done('no-refusal'), PORT_CHECK_TIMEOUT_MS)
    // A connect to a free port in the ephemeral range can land on itself (Linux TCP self-connect: the kernel picked
    // that very port as the source): nothing listens there, so it counts as free, not as a port someone holds.
    sock.once('connect', () => done(sock.localPort === port ? 'free' : 'connected'))
    // ECONNREFUSED (the normal case) and anything else that prevents a connection.
    sock.once('error', () => done('free'))
  })
}

async function waitReady(
  opts: ServiceOptions,
  exited: Promise<ExitInfo>,
  exitInfo: () => ExitInfo | null
): Promise<void> {
  const deadline = Date.now() + opts.readyTimeoutMs
  let last = 'no answer yet'
  const awaited = opts.readyCheck?.label ?? `${opts.readyUrl} to answer 2xx`
  for (;;) {
    const info = exitInfo()
    if (info !== null) {
      throw new ReadyFailure(
        'exited-before-ready',
        `Service \`${shown(opts)}\` exited before it was ready (${describeExit(info)}) while waiting for ${awaited} ` +
          `(last poll: ${last}).`
      )
    }
    const remaining = deadline - Date.now()
    if (remaining <= 0) {
      throw new ReadyFailure(
        'not-ready',
        `Service \`${shown(opts)}\` did not become ready within ${opts.readyTimeoutMs} ms: ` +
          `${opts.readyCheck ? `waited in vain for ${awaited}` : `${opts.readyUrl} never answered 2xx`} (last poll: ` +
          `${last}); the process was still running and has been stopped.`
      )
    }
    const probeMs = Math.max(10, Math.min(READY_REQUEST_TIMEOUT_MS, remaining))
    if (opts.readyCheck) {
      const r = await opts.readyCheck.probe(probeMs)
      if (r.ok) return
      last = r.detail
    } else {
      const outcome = await probeUrl(opts.readyUrl, probeMs)
      if (outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300) return
      last = outcome.status !== undefined ? `HTTP ${outcome.status}` : (outcome.error ?? 'unknown error')
    }
    // Sleep, but wake up at once if the process dies meanwhile.
    const nap = Math.min(READY_POLL_MS, Math.max(0, deadline - Date.now()))
    let napTimer: NodeJS.Timeout | undefined
    await Promise.race([exited, new Promise<void>((r) => (napTimer = setTimeout(r, nap)))])
    clearTimeout(napTimer)
  }
}

/**
 * One GET with its own timeout; a fresh connection each time (agent: false) so no keep-alive socket lingers into the
 * measured round.
 */
function probeUrl(url: string, timeoutMs: number): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http
    const req = mod.get(
      url,
      { agent: false, signal: AbortSignal.timeout(timeoutMs), headers: { connection: 'close' } },
      (res) => {
        res.resume()
        resolve({ status: res.statusCode })
      }
    )
    req.once('error', (err: NodeJS.ErrnoException) => {
      resolve({
        error:
          err.name === 'AbortError' || err.name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : (err.code ?? err.message)
      })
    })
  })
}

/**
 * The service's port and the fixed ports must be free before it starts: benchmarking whatever already listens there
 * would measure the wrong process.
 */
async function assertPortsFree(opts: ServiceOptions): Promise<void> {
  for (const port of new Set([opts.port, ...(opts.ownedPorts ?? [])])) {
    const holder = await probePort(port)
    if (holder !== 'free') {
      const seen =
        holder === 'connected' ? 'something accepted a connection' : 'a connection attempt did not get refused'
      throw new ServiceError(
        'port-taken',
        `Cannot start service \`${shown(opts)}\`: port ${port} already in use on 127.0.0.1 ` +
          `(${seen} ` +
          `before the service was started). ` +
          'Stop the other process or choose another port.'
      )
    }
  }
}

/**
 * Each fixed port must be listened on only by the service: its process group, or a process carrying
 * this start's tag (a daemonised child). Anything else, or an owner we cannot see, is refused: the
 * load would measure a process the gate did not start.
 */
function assertPortsOwned(opts: ServiceOptions, pgid: number, tag: string): void {
  const isOurs = (pid: number): boolean => {
    if (readStat(pid)?.pgrp === pgid) return true
    try {
      return environHasTag(fs.readFileSync(`/proc/${pid}/environ`), tag)
    } catch {
      return false
    }
  }
  for (const port of opts.ownedPorts ?? []) {
    const o = portOwnership(port, isOurs)
    if (o.status === 'owned') continue
    const who =
      o.status === 'foreign'
        ? `it is served by a process the gate did not start ` +
          `(${o.pids.map((p) => `pid ${p}${commandOf(p) ? ` \`${commandOf(p)}\`` : ''}`).join(', ')})`
        : `the gate cannot verify who serves it: ${o.reason}`
    throw new ServiceError(
      'port-not-owned',
      `Refusing to load port ${port} for service \`${shown(opts)}\`: ${who}. Put \`{port}\` in 'target-url' and ` +
        `'ready-url' ` +
        '(the gate then picks a fresh port per round and passes it as PORT), or make sure only the service listens ' +
        'there.'
    )
  }
}

/** Rounds whose service ignored SIGTERM and had to be SIGKILLed, and the grace time that cost. */
export interface StopStats {
  stops: number
  forcedKills: number
  waitedMs: number
  /** Processes that had left the process group (setsid, double fork) and were killed by their tag. */
  escaped: number
}

const stopStats: StopStats = { stops: 0, forcedKills: 0, waitedMs: 0, escaped: 0 }

/** Totals over every service stopped since the last reset (for the report's warning). */
export function serviceStopStats(): StopStats {
  return { ...stopStats }
}

/** Start counting afresh (at the start of a run). */
export function resetServiceStopStats(): void {
  Object.assign(stopStats, { stops: 0, forcedKills: 0, waitedMs: 0, escaped: 0 })
}

async function stopGroup(
  pgid: number,
  tag: string,
  exited: Promise<ExitInfo>,
  graceMs: number,
  log: (m: string) => void
): Promise<ExitInfo & { killed: boolean }> {
  let killed = false
  if (groupAlive(pgid)) {
    signalGroup(pgid, 'SIGTERM')
    if (!(await waitGroupGone(pgid, graceMs))) {
      log(`service group ${pgid} still running ${graceMs} ms after SIGTERM: sending SIGKILL`)
      signalGroup(pgid, 'SIGKILL')
      killed = true
      if (!(await waitGroupGone(pgid, KILL_WAIT_MS))) {
        // Stays registered so the exit hook tries again.
        throw new Error(`Service process group ${pgid} is still running ${KILL_WAIT_MS} ms after SIGKILL.`)
      }
    }
  }
  // Descendants that left the group (setsid -f, double fork) still carry the tag.
  const escaped = killTaggedSync(tag)
  if (escaped.length > 0)
    log(
      `killed ${escaped.length} service process(es) that had left the process group (setsid or double fork): pid ` +
        `${escaped.join(', ')}`
    )
  stopStats.stops++
  stopStats.escaped += escaped.length
  if (killed) {
    stopStats.forcedKills++
    stopStats.waitedMs += graceMs
  }
  unregisterGroup(pgid)
  // The group is gone, so the leader's exit is only waiting for libuv to reap it.
  let timer: NodeJS.Timeout | undefined
  const info = await Promise.race([
    exited,
    new Promise<ExitInfo>((r) => (timer = setTimeout(() => r({ code: null, signal: null }), KILL_WAIT_MS)))
  ])
  clearTimeout(timer)
  return { ...info, killed }
}

async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (!groupAlive(pgid)) return true
    if (Date.now() >= deadline) return false
    await sleep(GROUP_POLL_MS)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

function describeExit(info: ExitInfo): string {
  if (info.signal !== null) return `killed by signal ${info.signal}`
  if (info.code !== null) return `exit code ${info.code}`
  return 'exit status unknown'
}

/** " — port N already in use" when the log shows EADDRINUSE (port taken from the log line when present). */
function addrInUseHint(tail: string, port: number): string {
  if (!/EADDRINUSE/.test(tail)) return ''
  // Greedy: the last ":digits" on the line is the port, also for IPv6 ("::1:3000").
  const m = /EADDRINUSE[^\n]*:(\d{1,5})\b/.exec(tail)
  const p = m?.[1] ?? String(port)
  return ` — port ${p} already in use (EADDRINUSE in the service log).`
}
