/** Test helpers: boot fixtures/http-service as its own process group and stop it, bounded. */
import { fileURLToPath } from 'node:url'
import { freePort, scrubbedEnv, spawnTracedFixture, waitForExit, type SpawnedFixture } from '../../helpers/process.js'

export { killGroup, waitForExit } from '../../helpers/process.js'

export const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/http-service/', import.meta.url))

export interface Fixture extends SpawnedFixture {
  port: number
  base: string
}

/**
 * Spawns `node --import ./tracing.mjs server.mjs` in fixtures/http-service with `env` on top of a
 * scrubbed copy of this process's env (no inherited OTEL_* or NODE_OPTIONS). PORT is set unless
 * `env.PORT` is null.
 */
export async function spawnFixture(env: Record<string, string | null>): Promise<Fixture> {
  const port = env['PORT'] === null ? 0 : await freePort()
  const base = scrubbedEnv()
  if (port !== 0) base['PORT'] = String(port)
  for (const [k, v] of Object.entries(env)) {
    if (v === null) delete base[k]
    else base[k] = v
  }
  return { ...spawnTracedFixture(FIXTURE_DIR, base), port, base: `http://127.0.0.1:${port}` }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Waits until `stdout` contains `needle`; throws if the process exits or `timeoutMs` passes. */
export async function waitForOutput(f: Fixture, needle: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exitedWith: number | string | undefined
  void f.exited.then((c) => (exitedWith = c))
  while (Date.now() < deadline) {
    if (f.stdout().includes(needle)) return
    if (exitedWith !== undefined)
      throw new Error(`fixture exited (${exitedWith}) before printing '${needle}'; stderr: ${f.stderr()}`)
    await sleep(50)
  }
  throw new Error(
    `fixture did not print '${needle}' within ${timeoutMs} ms; stdout: ${f.stdout()} stderr: ${f.stderr()}`
  )
}

/** Polls GET /healthz until 200; returns how many polls got an HTTP answer (each may be a traced request). */
export async function waitForHealthy(f: Fixture, timeoutMs = 15000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let answered = 0
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${f.base}/healthz`, { signal: AbortSignal.timeout(1000) })
      answered++
      await res.arrayBuffer()
      if (res.status === 200) return answered
    } catch {
      // not listening yet
    }
    if (f.child.exitCode !== null)
      throw new Error(`fixture exited (${f.child.exitCode}) before becoming healthy; stderr: ${f.stderr()}`)
    await sleep(50)
  }
  throw new Error(`fixture not healthy within ${timeoutMs} ms; stdout: ${f.stdout()} stderr: ${f.stderr()}`)
}

/** SIGTERMs the fixture and waits for its exit code. */
export async function stopFixture(f: Fixture, timeoutMs = 10000): Promise<number | string> {
  if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill('SIGTERM')
  return waitForExit(f, timeoutMs)
}

/** GETs `path` `n` times, 10 at a time; returns the status codes. */
export async function hammer(f: Fixture, path: (i: number) => string, n: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < n; i += 10) {
    const batch = Array.from({ length: Math.min(10, n - i) }, async (_, j) => {
      const res = await fetch(`${f.base}${path(i + j)}`, { signal: AbortSignal.timeout(5000) })
      await res.arrayBuffer()
      return res.status
    })
    statuses.push(...(await Promise.all(batch)))
  }
  return statuses
}
