/** Test helpers: boot fixtures/grpc-service as its own process group and stop it, bounded. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const GRPC_FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/grpc-service/', import.meta.url))
export const USER_PROTO = `${GRPC_FIXTURE_DIR}user.proto`

/** A port that was free a moment ago (the fixture binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

export interface GrpcFixture {
  child: ChildProcess
  port: number
  address: string
  stdout: () => string
  stderr: () => string
  exited: Promise<number | string>
}

/** A copy of this process's env without OTEL_*, FIXTURE_*, NODE_OPTIONS (jest's) and PORT. */
export function scrubbedEnv(): Record<string, string> {
  const base: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('OTEL_') && !k.startsWith('FIXTURE_') && k !== 'NODE_OPTIONS' && k !== 'PORT') base[k] = v
  }
  return base
}

/** Spawns `node --import ./tracing.mjs server.mjs` in fixtures/grpc-service (detached) and waits until it listens. */
export async function startGrpcFixture(env: Record<string, string>, timeoutMs = 15000): Promise<GrpcFixture> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', './tracing.mjs', 'server.mjs'], {
    cwd: GRPC_FIXTURE_DIR,
    env: { ...scrubbedEnv(), PORT: String(port), ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? `signal:${signal ?? '?'}`)))
  const f: GrpcFixture = { child, port, address: `127.0.0.1:${port}`, stdout: () => out, stderr: () => err, exited }
  const deadline = Date.now() + timeoutMs
  while (!out.includes('listening on')) {
    if (child.exitCode !== null) throw new Error(`gRPC fixture exited (${child.exitCode}) before listening; stderr: ${err}`)
    if (Date.now() > deadline) {
      killGroup(f)
      throw new Error(`gRPC fixture did not listen within ${timeoutMs} ms; stderr: ${err}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return f
}

/** SIGTERMs the fixture and waits (bounded) for its exit code. */
export async function stopGrpcFixture(f: GrpcFixture, timeoutMs = 10000): Promise<number | string> {
  if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const r = await Promise.race([f.exited, new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), timeoutMs)))])
  clearTimeout(timer)
  if (r === 'timeout') throw new Error(`gRPC fixture did not exit within ${timeoutMs} ms; stderr: ${f.stderr()}`)
  return r
}

/** Last resort for finally blocks: SIGKILL the whole process group if anything is left. */
export function killGroup(f: GrpcFixture | undefined): void {
  if (f?.child.pid === undefined) return
  try {
    process.kill(-f.child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
