/** Test helpers: boot fixtures/grpc-service as its own process group and stop it, bounded. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { freePort, killGroup, scrubbedEnv } from '../helpers/process.js'

export { freePort, killGroup } from '../helpers/process.js'

export const GRPC_FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/grpc-service/', import.meta.url))
export const USER_PROTO = `${GRPC_FIXTURE_DIR}user.proto`

export interface GrpcFixture {
  child: ChildProcess
  port: number
  address: string
  stdout: () => string
  stderr: () => string
  exited: Promise<number | string>
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
