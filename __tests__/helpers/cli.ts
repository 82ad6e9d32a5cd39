/** Test helpers for the CLI: capturing io and the fixture-service options of the integration tests. */
import { fileURLToPath } from 'node:url'
import type { CliIo } from '../../src/cli/run.js'

export const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/http-service/', import.meta.url))

/** How to start fixtures/http-service traced and where it answers, as gate inputs. */
export const FIXTURE_SERVICE_INPUTS = {
  'start-command': 'node --import ./tracing.mjs server.mjs',
  'working-directory': FIXTURE_DIR,
  'target-url': 'http://127.0.0.1:{port}/api/v1/users/42',
  'ready-url': 'http://127.0.0.1:{port}/healthz'
} as const

/** CliIo that records what runCli writes. */
export function captureIo(
  cwd: string,
  over: Partial<CliIo> = {}
): { io: CliIo; stdout: () => string; stderr: () => string } {
  let out = ''
  let err = ''
  return {
    io: {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      isTTY: false,
      env: {},
      cwd,
      ...over
    },
    stdout: () => out,
    stderr: () => err
  }
}

/** A short run of 2 arms (off, on@1) × 6 blocks of 1 s rounds, QPS gated only, unpinned: one look. */
export const SHORT_RUN_ARGS: readonly string[] = [
  '--sampling-rates',
  '1',
  '--rounds',
  '6',
  '--max-rounds',
  '6',
  '--round-duration',
  '1',
  '--warmup-duration',
  '0.5',
  '--max-p99-overhead',
  'none',
  '--connections',
  '10',
  '--cpu-pinning',
  'off'
]

/**
 * The fixture service, small and fast: 2 arms × 6 blocks of 1 s rounds (~25 s), one look. QPS only is gated
 * (P99 is reported), which needs at least 6 blocks at 95% (2^6 ≥ 2·1/0.05).
 * NODE_OPTIONS is cleared so jest's --experimental-vm-modules does not reach the service.
 */
export function fixtureArgs(outputDir: string): string[] {
  return [
    ...Object.entries(FIXTURE_SERVICE_INPUTS).flatMap(([name, value]) => [`--${name}`, value]),
    ...SHORT_RUN_ARGS,
    '--output-dir',
    outputDir,
    '--env',
    'NODE_OPTIONS='
  ]
}
