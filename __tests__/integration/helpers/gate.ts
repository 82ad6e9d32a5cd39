/**
 * Runs the real gate (parseConfig + runEngine, in-process) on a fixture service with small rounds:
 * the ONE place the fixture integration tests call the engine, so an engine API change is adapted here.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseConfig, type RawInputs } from '../../../src/config/config.js'
import { runEngine } from '../../../src/gate/engine.js'
import type { GateRun } from '../../../src/results/gate-run.js'
import type { RoundResult } from '../../../src/types.js'

/** What one gate run on a fixture produced, with the engine's log lines. */
export interface FixtureGateRun {
  run: GateRun
  warnings: string[]
  infos: string[]
}

/** Small, fast inputs (3 blocks, one look, 1 s rounds, nothing gated): overridden by `inputs`. */
export const SMALL_ROUNDS: RawInputs = {
  rounds: '3',
  'max-rounds': '3',
  'round-duration': '1',
  'warmup-duration': '0.5',
  connections: '10',
  'sampling-rates': '1',
  // Nothing gated (3 blocks could not decide a budget anyway): these tests check spans, not speed.
  'max-qps-overhead': 'none',
  'max-p99-overhead': 'none',
  'ready-timeout': '20',
  seed: '12345'
}

/**
 * Runs the gate on a fixture: `inputs` (start-command, target-url or grpc-*, …) over SMALL_ROUNDS,
 * output into a temporary directory that is removed afterwards. Rejects with the engine's error.
 */
export async function runGateOnFixture(inputs: RawInputs): Promise<FixtureGateRun> {
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-fixture-gate-'))
  const warnings: string[] = []
  const infos: string[] = []
  try {
    const config = parseConfig({ ...SMALL_ROUNDS, 'output-dir': outputDir, ...inputs })
    const run = await runEngine(config, { warn: (m) => warnings.push(m), info: (m) => infos.push(m) })
    return { run, warnings, infos }
  } finally {
    fs.rmSync(outputDir, { recursive: true, force: true })
  }
}

/**
 * Spans per successful request of a round: spans that started in the measured window over the
 * window's responses when the engine counts a window, else every span of the boot over every
 * response (warm-up included; readiness polls make this a slight over-estimate).
 */
export function spansPerRequest(r: RoundResult): number {
  if (r.window !== undefined) return r.load.ok > 0 ? r.window.spans / r.load.ok : NaN
  const ok = r.load.ok + r.warmup.ok
  return ok > 0 ? r.otlp.spans / ok : NaN
}
