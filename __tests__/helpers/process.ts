/**
 * Process and port helpers shared by the integration tests that start fixtures (one copy each:
 * they used to be re-written per folder).
 */
import { spawn, type ChildProcess } from 'node:child_process'

/** A port on 127.0.0.1 that was free a moment ago (the caller binds it right after): the gate's own probe. */
export { findFreePort as freePort } from '../../src/service/service.js'

/**
 * A copy of `env` for a fixture process: without OTEL_* and FIXTURE_* (they would blur the arms),
 * NODE_OPTIONS (jest's --experimental-vm-modules) and PORT (the test sets its own).
 */
export function scrubbedEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !/^(OTEL_|FIXTURE_)/.test(k) && k !== 'NODE_OPTIONS' && k !== 'PORT') out[k] = v
  }
  return out
}

/** Last resort for finally blocks: SIGKILL the whole process group of a detached child, if anything is left. */
export function killGroup(f: { child: ChildProcess } | undefined): void {
  if (f?.child.pid === undefined) return
  try {
    process.kill(-f.child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** A fixture process with its output captured. */
export interface SpawnedFixture {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Resolves with the exit code (or `signal:NAME`) once the process has exited. */
  exited: Promise<number | string>
}

/**
 * `node --import ./tracing.mjs server.mjs` in `cwd` with exactly `env`, detached (its own process
 * group, so that killGroup reaches anything it spawned), stdout and stderr captured.
 */
export function spawnTracedFixture(cwd: string, env: Record<string, string>): SpawnedFixture {
  const child = spawn(process.execPath, ['--import', './tracing.mjs', 'server.mjs'], {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? `signal:${signal ?? '?'}`))
  )
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Waits for the exit for at most `timeoutMs`; returns the exit code or throws naming `what`. */
export async function waitForExit(
  f: Pick<SpawnedFixture, 'exited' | 'stderr'>,
  timeoutMs = 10000,
  what = 'fixture'
): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
  const result = await Promise.race([f.exited, timeout])
  clearTimeout(timer)
  if (result === 'timeout') throw new Error(`${what} did not exit within ${timeoutMs} ms; stderr: ${f.stderr()}`)
  return result
}

/** SIGKILL the process group of a detached child and wait (at most `timeoutMs`) until its leader has exited. */
export async function killGroupAndWait(f: { child: ChildProcess } | undefined, timeoutMs = 5000): Promise<void> {
  if (f === undefined) return
  const { child } = f
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => child.once('exit', () => r()))
  killGroup(f)
  let timer: NodeJS.Timeout | undefined
  await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))])
  clearTimeout(timer)
}
