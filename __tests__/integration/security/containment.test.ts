/**
 * Processes that leave the service's process group (setsid -f, double fork) are killed with their
 * round; none of them can write GITHUB_OUTPUT, which the service no longer inherits.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  findFreePort,
  killAllServices,
  serviceStopStats,
  resetServiceStopStats,
  startService
} from '../../../src/service/service.js'
import { roundEnv } from '../../../src/gate/engine.js'
import { parseConfig } from '../../../src/config/config.js'
import { buildArms } from '../../../src/plan/plan.js'
import { TINY_SERVER } from '../../helpers/tiny.js'

let dir: string
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sec-contain-'))))
afterAll(async () => {
  await killAllServices()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Pids whose environment holds `NAME=value` (same uid). */
function withMarker(name: string, value: string): number[] {
  const needle = `${name}=${value}\0`
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
        if (/\) [ZX] /.test(stat)) return false
        return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle)
      } catch {
        return false
      }
    })
    .map(Number)
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const linux = fs.existsSync('/proc/self/environ')
const hasSetsid = ['/usr/bin/setsid', '/bin/setsid'].some((p) => fs.existsSync(p))

;(linux && hasSetsid ? describe : describe.skip)('containment', () => {
  test('setsid -f and double-fork children are gone after stop; GITHUB_OUTPUT is untouched', async () => {
    const marker = randomBytes(8).toString('hex')
    const outputFile = path.join(dir, 'github_output')
    fs.writeFileSync(outputFile, '')
    // The job's environment: the runner's command file and token are there; the service must get neither.
    const jobEnv = {
      PATH: process.env.PATH,
      HOME: os.homedir(),
      GITHUB_OUTPUT: outputFile,
      GITHUB_TOKEN: 'ghs_containment'
    }
    const config = parseConfig({ 'start-command': 'x', env: `SEC_MARKER=${marker}` })
    const port = await findFreePort()
    const env = roundEnv(config, buildArms([1])[0], port, 'http://127.0.0.1:9/', jobEnv)
    expect(env.GITHUB_OUTPUT).toBeUndefined()
    // Both escapes try to write the output file later, after the round has ended.
    const writeLater = `sleep 1; echo "verdict=pass" >> "\${GITHUB_OUTPUT:-${outputFile}.fallback-was-not-set}"; echo ok >> ${JSON.stringify(outputFile)}.reached; sleep 60`
    const command =
      `setsid -f sh -c ${JSON.stringify(writeLater)} ; ` +
      `( sh -c ${JSON.stringify(writeLater)} & ) ; ` +
      `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(TINY_SERVER)}`
    resetServiceStopStats()
    const handle = await startService({
      command,
      cwd: dir,
      env,
      readyUrl: `http://127.0.0.1:${port}/ready`,
      readyTimeoutMs: 10_000,
      logFile: path.join(dir, 'contain.log'),
      port,
      stopGraceMs: 2000
    })
    // Escapes are running outside the group before the stop.
    const before = withMarker('SEC_MARKER', marker)
    expect(before.length).toBeGreaterThanOrEqual(3)
    const leaderGroup = handle.pid
    const outside = before.filter((pid) => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== leaderGroup
    })
    expect(outside.length).toBeGreaterThanOrEqual(1)

    await handle.stop()
    expect(withMarker('SEC_MARKER', marker)).toEqual([])
    expect(serviceStopStats().escaped).toBeGreaterThanOrEqual(1)
    // Had they survived, they would have written by now.
    await sleep(1500)
    expect(withMarker('SEC_MARKER', marker)).toEqual([])
    expect(fs.readFileSync(outputFile, 'utf8')).toBe('')
    expect(fs.existsSync(`${outputFile}.reached`)).toBe(false)
  }, 30_000)

  test('a service that exits right after daemonising is still cleaned up', async () => {
    const marker = randomBytes(8).toString('hex')
    const port = await findFreePort()
    const start = startService({
      command: 'setsid -f sleep 60; exit 0',
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SEC_MARKER: marker },
      readyUrl: `http://127.0.0.1:${port}/ready`,
      readyTimeoutMs: 5000,
      logFile: path.join(dir, 'exit.log'),
      port,
      stopGraceMs: 500
    })
    await expect(start).rejects.toThrow(/exited before it was ready/)
    expect(withMarker('SEC_MARKER', marker)).toEqual([])
  }, 20_000)
})

;(linux ? describe : describe.skip)('a service that ignores SIGTERM', () => {
  test('is SIGKILLed after the grace period, and the stop is counted with its cost', async () => {
    const port = await findFreePort()
    resetServiceStopStats()
    const handle = await startService({
      command: `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(TINY_SERVER)}`,
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), TINY_FAULT: 'ignore-sigterm' },
      readyUrl: `http://127.0.0.1:${port}/ready`,
      readyTimeoutMs: 10_000,
      logFile: path.join(dir, 'ignore.log'),
      port,
      stopGraceMs: 300
    })
    const stopped = await handle.stop()
    expect(stopped.killed).toBe(true)
    expect(serviceStopStats()).toEqual({ stops: 1, forcedKills: 1, waitedMs: 300, escaped: 0 })
  }, 20_000)
})
