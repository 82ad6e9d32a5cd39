/**
 * `npm run bench -- --only designs`: what each round design reads for the cost of tracing, per fixture and
 * sampling rate (issue: a default design that reads what tracing costs the service alone). For every
 * fixture × rate × design one gate run (off vs on@rate), appended to bench/results/designs.jsonl with
 * its QPS and CPU-per-request overhead, the per-block spread, the warm-up and the wall time.
 *
 *   npm run bench -- --only designs --fixtures node,gin --rates 0.01,1 --designs alternating,side-by-side,sequential
 *
 * `sequential` runs pinned (`cpu-pinning: on`): the reference "alone on the core" reading.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseConfig, type RawInputs } from '../src/config/config.js'
import type { InputName } from '../src/config/inputs.js'
import { runEngine } from '../src/gate/engine.js'
import { GateError } from '../src/errors.js'
import { killAllServices, ServiceError } from '../src/service/service.js'
import { machineInfo } from '../src/results/fingerprint.js'

/** A fixture's gate inputs, from the fixture set-up's cache (scripts/fixtures/setup.mjs). */
export function fixtureInputs(root: string, name: string): RawInputs {
  const cache = path.join(root, 'node_modules/.cache/otlp-perf-gate/fixtures')
  const json = (lang: string): Record<string, string> => {
    const f = path.join(cache, `${lang}.json`)
    if (!fs.existsSync(f))
      throw new Error(`fixture '${name}' is not set up: run node scripts/fixtures/setup.mjs ${lang}`)
    return JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, string>
  }
  const http = {
    'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
    'ready-url': 'http://127.0.0.1:{port}/healthz'
  }
  switch (name) {
    case 'node':
      return {
        ...http,
        'start-command': 'node --import ./tracing.mjs server.mjs',
        'working-directory': path.join(root, 'fixtures/http-service')
      }
    case 'gin':
      return { ...http, 'start-command': json('go').gin as string, 'working-directory': root }
    case 'java':
    case 'python': {
      const j = json(name)
      return {
        ...http,
        'start-command': j.startCommand as string,
        'working-directory': j.workingDirectory as string,
        'ready-timeout': String(j.readyTimeoutSeconds ?? 30)
      }
    }
    default:
      throw new Error(`unknown fixture '${name}' (node, gin, java, python)`)
  }
}

export interface DesignOptions {
  fixtures: string[]
  rates: string[]
  designs: string[]
  rounds: number
  extra: RawInputs
  /**
   * `--defaults`: every input at the action's default except the fixture's own (sampling rates, blocks, looks,
   * time budget and budgets included): what a user's first run does, its block time and looks. The default
   * sampling rates are used unless `ratesGiven` (`--rates` on the command line: one run per rate, the rest at
   * the defaults); `--designs` still applies, and `sequential` runs pinned as the alone reference.
   */
  defaults?: boolean
  ratesGiven?: boolean
}

/** The gate inputs `extra` may set, with the bench flag that sets each (so a row's command repeats them). */
const EXTRA_FLAGS: ReadonlyArray<readonly [InputName, string]> = [
  ['round-duration', '--round-duration'],
  ['warmup-duration', '--warmup'],
  ['time-budget', '--time-budget'],
  ['blocks-per-boot', '--blocks-per-boot'],
  ['env', '--service-env'],
  ['start-command', '--start-command']
]

/** Run the matrix, one gate run at a time; each row is appended as soon as its run ends. */
export async function designs(root: string, o: DesignOptions, log: (m: string) => void): Promise<unknown[]> {
  const file = path.join(root, 'bench/results/designs.jsonl')
  const rows: unknown[] = []
  const keep = (row: object): void => {
    fs.appendFileSync(file, `${JSON.stringify(row)}\n`)
    rows.push(row)
  }
  for (const fixture of o.fixtures) {
    for (const rate of o.defaults === true && o.ratesGiven !== true ? ['default'] : o.rates) {
      for (const design of o.designs) {
        const inputs: RawInputs =
          o.defaults === true
            ? {
                ...fixtureInputs(root, fixture),
                ...(rate !== 'default' ? { 'sampling-rates': rate } : {}),
                'round-design': design,
                ...(design === 'sequential' ? { 'cpu-pinning': 'on' } : {}),
                'output-dir': path.join(os.tmpdir(), 'otlp-perf-gate-bench-designs'),
                ...o.extra
              }
            : {
                ...fixtureInputs(root, fixture),
                'sampling-rates': rate,
                'round-design': design,
                ...(design === 'sequential' ? { 'cpu-pinning': 'on' } : {}),
                rounds: String(o.rounds),
                'max-rounds': String(o.rounds),
                'max-qps-overhead': 'none',
                'max-p99-overhead': 'none',
                'time-budget': '0',
                'output-dir': path.join(os.tmpdir(), 'otlp-perf-gate-bench-designs'),
                ...o.extra
              }
        log(`designs: ${fixture} at ${rate}, ${design}`)
        const started = new Date().toISOString()
        const command =
          (o.defaults === true
            ? `npm run bench -- --only designs --defaults --fixtures ${fixture}${rate !== 'default' ? ` --rates ${rate}` : ''} --designs ${design}`
            : `npm run bench -- --only designs --fixtures ${fixture} --rates ${rate} --designs ${design} --rounds ${o.rounds}`) +
          EXTRA_FLAGS.filter(([input]) => o.extra[input] !== undefined)
            .map(([input, flag]) => {
              const v = (o.extra[input] as string).split('\n').join(',')
              return ` ${flag} ${/\s/.test(v) ? `'${v}'` : v}`
            })
            .join('')
        const rowInputs = Object.fromEntries(Object.entries(inputs).filter(([k]) => k !== 'output-dir'))
        // What every row of the cell starts with, measured or refused.
        const cell = {
          date: started,
          host: os.hostname(),
          cpuModel: machineInfo().cpuModel,
          fixture,
          rate: rate === 'default' ? 'default' : Number(rate)
        }
        try {
          const run = await runEngine(parseConfig(inputs), { warn: log })
          const overhead = (metric: 'qps' | 'cpu') =>
            run.comparisons.find((c) => c.kind === 'overhead' && c.metric === metric && c.phase === undefined)
          const q = overhead('qps')
          const c = overhead('cpu')
          const row = {
            ...cell,
            verdict: run.gate.verdict,
            looks: run.looks.blocks,
            design,
            blocks: run.looks.blocks[run.looks.blocks.length - 1],
            qpsOverhead: q?.overhead ?? null,
            qpsCi: q !== undefined ? [q.ciLow, q.ciHigh] : null,
            cpuOverhead: c?.overhead ?? null,
            perBlockSd: q?.sdLogRatio ?? null,
            bootBlocks: q?.boots?.blocks ?? null,
            bootTau: q?.boots?.tau ?? null,
            bootTauEstimate: q?.boots?.tauEstimate ?? null,
            logRatios: q?.logRatios ?? null,
            // Each arm's QPS per block, in block order: which process moves when the ratio does.
            armQps: Object.fromEntries(
              [...new Set(run.rounds.map((r) => r.armId))].map((arm) => [
                arm,
                run.rounds
                  .filter((r) => r.armId === arm && r.block >= 0)
                  .sort((a, b) => a.block - b.block)
                  .map((r) => Math.round(r.load.qps))
              ])
            ),
            bootWidening: q?.boots?.widening ?? null,
            warmupSec: run.rounds.map((r) => r.warmup.durationSec),
            warmupEnded: run.rounds.map((r) => r.warmup.ended ?? 'fixed'),
            warmupRates: run.rounds.map((r) => ({ block: r.block, arm: r.armId, rates: r.warmup.rates ?? [] })),
            wallSec: run.wallSec,
            blockSec: run.wallSec / Math.max(1, run.looks.blocks[run.looks.blocks.length - 1] ?? 1),
            pace: run.looks.pace ?? null,
            toDecide: q?.toDecide ?? null,
            command,
            inputs: rowInputs
          }
          keep(row)
          log(
            `designs: ${fixture} ${rate} ${design}: QPS overhead ${((row.qpsOverhead ?? NaN) * 100).toFixed(1)} %, CPU ${((row.cpuOverhead ?? NaN) * 100).toFixed(1)} %, wall ${row.wallSec.toFixed(0)} s`
          )
        } catch (e) {
          // A cell the gate refuses (a service fault: spans dropped, errors, a crash) is a result of the matrix too:
          // its row says why, and the next cell runs.
          if (!(e instanceof GateError || e instanceof ServiceError)) throw e
          const row = {
            ...cell,
            design,
            error: e.message.split('\n')[0],
            command,
            inputs: rowInputs
          }
          keep(row)
          log(`designs: ${fixture} ${rate} ${design}: the gate refused the run: ${row.error}`)
        } finally {
          await killAllServices()
        }
      }
    }
  }
  return rows
}
