/** A fixed target port (no `{port}`) must be the service's own: an imposter is refused before any load. */
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  findFreePort,
  killAllServices,
  ServiceError,
  startService,
  type ServiceOptions
} from '../../../src/service/service.js'
import { TINY_SERVER } from '../../helpers/tiny.js'

let dir: string
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sec-owner-'))))
afterAll(async () => {
  await killAllServices()
  fs.rmSync(dir, { recursive: true, force: true })
})

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((s) => {
      s.on('error', () => {})
      s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok')
    })
    srv.once('error', reject)
    srv.listen(port, '127.0.0.1', () => resolve(srv))
  })
}

const close = (srv: net.Server): Promise<void> => new Promise((r) => srv.close(() => r()))

async function base(over: Partial<ServiceOptions>): Promise<ServiceOptions> {
  const port = await findFreePort()
  return {
    command: 'sleep 600',
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}/ready`,
    readyTimeoutMs: 5000,
    logFile: path.join(dir, `svc-${Math.random().toString(36).slice(2)}.log`),
    port,
    stopGraceMs: 500,
    ...over
  }
}

const linux = fs.existsSync('/proc/net/tcp')

;(linux ? describe : describe.skip)('target ownership', () => {
  test('an imposter already listening on the fixed target port: refused before the service starts', async () => {
    const fixed = await findFreePort()
    const imposter = await listen(fixed)
    try {
      const o = await base({ ownedPorts: [fixed], readyUrl: `http://127.0.0.1:${fixed}/` })
      const err = await startService(o).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ServiceError)
      expect((err as ServiceError).kind).toBe('port-taken')
      expect((err as Error).message).toContain(`port ${fixed} already in use`)
      // Nothing was started: the log holds no start line.
      expect(fs.existsSync(o.logFile)).toBe(false)
    } finally {
      await close(imposter)
    }
  })

  test('an imposter that appears while the service boots: refused once ready, naming the process', async () => {
    const fixed = await findFreePort()
    let imposter: net.Server | null = null
    try {
      const o = await base({
        ownedPorts: [fixed],
        // The readiness poll answers only once the imposter (this test process) listens on the fixed port.
        readyCheck: {
          label: 'imposter',
          probe: async () => {
            imposter ??= await listen(fixed)
            return { ok: true, detail: 'ok' }
          }
        }
      })
      const err = await startService(o).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ServiceError)
      expect((err as ServiceError).kind).toBe('port-not-owned')
      expect((err as Error).message).toMatch(
        new RegExp(`Refusing to load port ${fixed} .* served by a process the gate did not start \\(pid ${process.pid}`)
      )
    } finally {
      if (imposter !== null) await close(imposter)
    }
  })

  test('the service itself on the fixed port (even from a child) is accepted', async () => {
    const fixed = await findFreePort()
    const o = await base({
      command: `sh -c '${process.execPath} ${TINY_SERVER}'`,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(fixed) },
      ownedPorts: [fixed],
      readyUrl: `http://127.0.0.1:${fixed}/ready`
    })
    const h = await startService(o)
    await h.stop()
  })
})
