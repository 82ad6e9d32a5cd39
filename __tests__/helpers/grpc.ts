/** Test helpers: boot fixtures/grpc-service as its own process group and stop it, bounded. */
import { fileURLToPath } from 'node:url'
import { freePort, killGroup, scrubbedEnv, spawnTracedFixture, waitForExit, type SpawnedFixture } from './process.js'

export { freePort, killGroup } from './process.js'

export const GRPC_FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/grpc-service/', import.meta.url))
export const USER_PROTO = `${GRPC_FIXTURE_DIR}user.proto`

export interface GrpcFixture extends SpawnedFixture {
  port: number
  address: string
}

/** Spawns `node --import ./tracing.mjs server.mjs` in fixtures/grpc-service (detached) and waits until it listens. */
export async function startGrpcFixture(env: Record<string, string>, timeoutMs = 15000): Promise<GrpcFixture> {
  const port = await freePort()
  const f: GrpcFixture = {
    ...spawnTracedFixture(GRPC_FIXTURE_DIR, { ...scrubbedEnv(), PORT: String(port), ...env }),
    port,
    address: `127.0.0.1:${port}`
  }
  const deadline = Date.now() + timeoutMs
  while (!f.stdout().includes('listening on')) {
    if (f.child.exitCode !== null)
      throw new Error(`gRPC fixture exited (${f.child.exitCode}) before listening; stderr: ${f.stderr()}`)
    if (Date.now() > deadline) {
      killGroup(f)
      throw new Error(`gRPC fixture did not listen within ${timeoutMs} ms; stderr: ${f.stderr()}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return f
}

/** SIGTERMs the fixture and waits (bounded) for its exit code. */
export async function stopGrpcFixture(f: GrpcFixture, timeoutMs = 10000): Promise<number | string> {
  if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill('SIGTERM')
  return waitForExit(f, timeoutMs, 'gRPC fixture')
}
