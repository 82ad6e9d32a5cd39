/**
 * `npm run bench -- --only pipeline [--rounds N]`: the seed's pipeline on the Gin fixture (issue #28), one
 * gate run (off vs one traced arm, alternating) per row, appended to bench/results/pipeline.jsonl:
 *
 *   head-1%            head sampling 1 %, exported straight to the gate's receiver (no collector)
 *   head-100%-tail     head 100 % → the fixture collector with the seed's tail-sampling policies
 *   head-100%-all      head 100 % → the fixture collector forwarding everything
 *
 * With `--span-store jaeger` one row only (the other three are unchanged by a store):
 *
 *   head-100%-tail-jaeger  head 100 % → tail sampling → the fixture Jaeger (Badger) and the receiver; the row
 *                          adds Badger's data-directory growth per hour next to the receiver's bytes per hour
 *                          (both per hour of collector life, src/report/collector.ts)
 *
 * Per row: the service's QPS / P99 / CPU-per-request overhead against off (the collector is never charged to
 * the service), and from the collector's own telemetry and the receiver: spans in and out, the share kept,
 * collector CPU-seconds per 1,000 requests and its peak RSS, and the bytes stored per hour (bytes that reached
 * the receiver per 2xx request over the round, times the traced arm's measured QPS, times 3600).
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseConfig, type RawInputs } from '../src/config/config.js'
import { runEngine } from '../src/gate/engine.js'
import { killAllServices } from '../src/service/service.js'
import { machineInfo } from '../src/results/fingerprint.js'
import { armCollectors } from '../src/report/collector.js'
import type { RoundResult } from '../src/types.js'
import { fixtureInputs } from './designs.js'

interface Case {
  name: string
  rate: string
  config?: 'tail-sampling.yaml' | 'no-sampling.yaml' | 'tail-sampling-jaeger.yaml'
  jaeger?: boolean
}

const CASES: Case[] = [
  { name: 'head-1%', rate: '0.01' },
  { name: 'head-100%-tail', rate: '1', config: 'tail-sampling.yaml' },
  { name: 'head-100%-all', rate: '1', config: 'no-sampling.yaml' }
]

const JAEGER_CASE: Case = {
  name: 'head-100%-tail-jaeger',
  rate: '1',
  config: 'tail-sampling-jaeger.yaml',
  jaeger: true
}

/** `--span-store jaeger` on the bench's command line (bench/run.ts passes its arguments). */
export function spanStoreArg(argv: readonly string[]): 'receiver' | 'jaeger' {
  const i = argv.indexOf('--span-store')
  const v = i >= 0 ? argv[i + 1] : 'receiver'
  if (v !== 'receiver' && v !== 'jaeger') throw new Error(`--span-store must be receiver or jaeger, got '${v}'`)
  return v
}

/** Bytes that reached the receiver per 2xx answer of the traced rounds (warm-up and measured phases). */
function bytesPerRequest(rounds: readonly RoundResult[]): number | null {
  const traced = rounds.filter((r) => r.block >= 0 && r.armId !== 'off')
  const ok = traced.reduce((a, r) => a + r.warmup.ok + (r.resources?.okServed ?? r.load.ok), 0)
  const bytes = traced.reduce((a, r) => a + r.otlp.bytes, 0)
  return ok > 0 ? bytes / ok : null
}

export async function pipeline(
  root: string,
  rounds: number,
  log: (m: string) => void,
  spanStore: 'receiver' | 'jaeger' = 'receiver'
): Promise<unknown[]> {
  const file = path.join(root, 'bench/results/pipeline.jsonl')
  const cache = path.join(root, 'node_modules/.cache/otlp-perf-gate/fixtures')
  const collector = path.join(cache, 'collector/otelcol-gate')
  if (!fs.existsSync(collector))
    throw new Error(`the fixture collector is not built (${collector}): run node scripts/fixtures/setup.mjs collector`)
  const jaeger = path.join(cache, 'jaeger/jaeger')
  if (spanStore === 'jaeger' && !fs.existsSync(jaeger))
    throw new Error(`the fixture Jaeger is not built (${jaeger}): run node scripts/fixtures/setup.mjs jaeger`)
  const rows: unknown[] = []
  for (const c of spanStore === 'jaeger' ? [JAEGER_CASE] : CASES) {
    const inputs: RawInputs = {
      ...fixtureInputs(root, 'gin'),
      'service-name': 'gin-fixture',
      'sampling-rates': c.rate,
      'otlp-protocol': 'http/protobuf',
      rounds: String(rounds),
      'max-rounds': String(rounds),
      'max-qps-overhead': 'none',
      'max-p99-overhead': 'none',
      'time-budget': '0',
      'output-dir': path.join(os.tmpdir(), 'otlp-perf-gate-bench-pipeline'),
      ...(c.config !== undefined
        ? {
            'collector-command': collector,
            'collector-config': path.join(root, 'fixtures/collector', c.config),
            'collector-drain': '3'
          }
        : {}),
      ...(c.jaeger === true ? { 'span-store': 'jaeger', 'span-store-command': jaeger } : {})
    }
    log(`pipeline: ${c.name}`)
    const started = new Date().toISOString()
    try {
      const run = await runEngine(parseConfig(inputs), { warn: log })
      const overhead = (metric: string) =>
        run.comparisons.find((x) => x.kind === 'overhead' && x.metric === metric && x.phase === undefined)
      const q = overhead('qps')
      const p99 = overhead('p99')
      const cpu = overhead('cpu')
      const traced = run.rounds.filter((r) => r.block >= 0 && r.armId !== 'off')
      const qps = traced.reduce((a, r) => a + r.load.qps, 0) / Math.max(1, traced.length)
      const perReq = bytesPerRequest(run.rounds)
      const col = armCollectors(run.rounds)[0]
      const row = {
        date: started,
        cpuModel: machineInfo().cpuModel,
        case: c.name,
        blocks: run.looks.blocks[run.looks.blocks.length - 1],
        qpsOverhead: q?.overhead ?? null,
        qpsCi: q !== undefined ? [q.ciLow, q.ciHigh] : null,
        p99Overhead: p99?.overhead ?? null,
        cpuOverhead: cpu?.overhead ?? null,
        tracedQps: qps,
        spansIn: col?.spansIn ?? null,
        spansOut: col?.spansOut ?? null,
        keepRatio: col?.keepRatio ?? null,
        collectorCpuPer1k: col?.cpuPer1k ?? null,
        collectorRssPeakMB: col?.rssPeakBytes != null ? col.rssPeakBytes / 1e6 : null,
        storedMBPerHour: perReq !== null ? (perReq * qps * 3600) / 1e6 : null,
        ...(c.jaeger === true
          ? {
              receiverMBPerCollectorHour: col?.mbPerHour ?? null,
              badgerMBPerCollectorHour: col?.storeMbPerHour ?? null
            }
          : {}),
        wallSec: run.wallSec,
        command: `npm run bench -- --only pipeline --rounds ${rounds}${c.jaeger === true ? ' --span-store jaeger' : ''}`
      }
      fs.appendFileSync(file, `${JSON.stringify(row)}\n`)
      rows.push(row)
      log(
        `pipeline: ${c.name}: QPS ${((row.qpsOverhead ?? NaN) * 100).toFixed(1)} %, kept ${row.keepRatio ?? '-'}, ` +
          `stored ${row.storedMBPerHour?.toFixed(1) ?? '-'} MB/h` +
          (c.jaeger === true ? `, Badger ${col?.storeMbPerHour?.toFixed(1) ?? '-'} MB/h of collector life` : '')
      )
    } finally {
      await killAllServices()
    }
  }
  return rows
}
