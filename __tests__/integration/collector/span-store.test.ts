/**
 * `span-store: jaeger` (issue 28) through the real gate: the Gin fixture exports to the fixture collector
 * (the seed's tail sampling), which sends what it keeps both to the gate's receiver and to the fixture Jaeger
 * (fixtures/jaeger, Jaeger v2 with Badger, built by scripts/fixtures/jaeger.mjs). Checks that Badger's data
 * directory grew, that no Jaeger process and no data directory outlive the run, and that a Jaeger that
 * exits mid-block or never becomes ready fails the run naming 'span-store-command' with its log tail.
 * No assertion on throughput, latency or duration.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import type { RawInputs } from '../../../src/config/config.js'
import { ServiceError } from '../../../src/service/service.js'
import { describeIfFixture, fixtureStatus } from '../helpers/fixtures.js'
import { bootsOf } from '../helpers/boots.js'
import { runGateOnFixture } from '../helpers/gate.js'

const GATE_TIMEOUT_MS = 120_000

const goStatus = fixtureStatus('go')
const collectorStatus = fixtureStatus('collector')
const gin = goStatus.ok ? String(goStatus.paths.gin) : ''
const collectorBin = collectorStatus.ok ? String(collectorStatus.paths.binary) : ''

function inputs(jaegerCommand: string, collectorConfig: string): RawInputs {
  return {
    'start-command': gin,
    'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
    'ready-url': 'http://127.0.0.1:{port}/healthz',
    'service-name': 'gin-fixture',
    'sampling-rates': '1',
    'otlp-protocol': 'http/protobuf',
    'collector-command': collectorBin,
    'collector-config': collectorConfig,
    'collector-drain': '3',
    'span-store': 'jaeger',
    'span-store-command': jaegerCommand
  }
}

/** The Badger data directories the gate makes (span-store.ts), present now. */
function badgerDirs(): Set<string> {
  return new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('otlp-perf-gate-badger-')))
}

/** Pids whose command line names `needle` (a live process of this run), from /proc. */
function processesNaming(needle: string): number[] {
  const pids: number[] = []
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) pids.push(Number(p))
    } catch {
      // Gone between the listing and the read.
    }
  }
  return pids
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p
  } catch (e) {
    return e as Error
  }
  throw new Error('expected the gate run to fail, it passed')
}

describeIfFixture('jaeger', 'span-store: jaeger behind the fixture collector (Gin fixture)', (paths) => {
  const jaeger = String(paths.binary)
  const config = String(paths.collectorConfig)
  if (!goStatus.ok || !collectorStatus.ok) {
    test.skip('skipped: the Gin fixture or the fixture collector is not built', () => undefined)
    return
  }

  test(
    "Badger's data directory grows per boot, reported next to the receiver's bytes; nothing outlives the run",
    async () => {
      const before = badgerDirs()
      const g = await runGateOnFixture(inputs(jaeger, config))
      const traced = g.run.rounds.filter((r) => r.block >= 0 && r.armId === 'on@1')
      expect(traced.length).toBe(3)
      // Per boot: a kept process's collector and store live for its boot's blocks; the usage rides on the last.
      for (const boot of bootsOf(traced)) {
        expect({ where: boot.key, carriers: boot.withCollector.length }).toEqual({ where: boot.key, carriers: 1 })
        const c = boot.withCollector[0]?.collector
        if (c === undefined) continue
        // The receiver still counts everything the collector kept (the store is a fan-out beside it).
        expect(Math.abs(c.spansOut - boot.spans)).toBeLessThanOrEqual(boot.rounds.length)
        expect(c.spansOut).toBeGreaterThan(0)
        expect({ where: boot.key, growth: c.storeGrowthBytes }).toMatchObject({ growth: expect.any(Number) })
        expect(c.storeGrowthBytes).toBeGreaterThan(0)
      }
      for (const r of g.run.rounds.filter((x) => x.armId === 'off')) expect(r.collector).toBeUndefined()
      // No Jaeger of this run is left (its config files were named <output-dir>/logs/*.jaeger.config.yaml).
      expect(processesNaming('.jaeger.config.yaml')).toEqual([])
      expect([...badgerDirs()].filter((d) => !before.has(d))).toEqual([])
    },
    GATE_TIMEOUT_MS
  )

  test(
    'a Jaeger that exits mid-block fails the run naming span-store-command, with its exit and log tail',
    async () => {
      const before = badgerDirs()
      // The real Jaeger in the background, stopped after 3 s; the wrapper (the group's leader) exits 7.
      const dying = `sh -c '"$0" "$@" & sleep 3; kill $!; echo jaeger went away; exit 7' ${jaeger}`
      const err = await rejection(runGateOnFixture(inputs(dying, config)))
      expect(err).toBeInstanceOf(ServiceError)
      expect((err as ServiceError).kind).toBe('crashed')
      expect(err.message).toMatch(/'span-store-command' `sh -c/)
      expect(err.message).toMatch(/exit code 7/)
      expect(err.message).toMatch(/jaeger went away/)
      expect(processesNaming('.jaeger.config.yaml')).toEqual([])
      expect([...badgerDirs()].filter((d) => !before.has(d))).toEqual([])
    },
    GATE_TIMEOUT_MS
  )

  test(
    'a Jaeger that never becomes ready fails the run naming span-store-command, with its log tail',
    async () => {
      const err = await rejection(
        runGateOnFixture({ ...inputs(`sh -c 'echo jaeger stuck; sleep 60' sh`, config), 'ready-timeout': '3' })
      )
      expect(err).toBeInstanceOf(ServiceError)
      expect((err as ServiceError).kind).toBe('not-ready')
      expect(err.message).toMatch(/'span-store-command' `sh -c/)
      expect(err.message).toMatch(/its health endpoint/)
      expect(err.message).toMatch(/jaeger stuck/)
    },
    GATE_TIMEOUT_MS
  )
})
