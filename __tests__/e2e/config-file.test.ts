/**
 * The action's `config-file` end to end (the bundle, as the runner runs it): a YAML file in the workspace
 * supplies inputs, a `with:` value other than the default wins over it, paths in it resolve against its
 * folder; a bad file fails the step before anything is measured, with the key, the value and what was
 * expected. Nothing gated, so the verdict depends on the measurement alone.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { expectExit, fixtureInputs, readResults, removeWorkspaces, runAction } from './helpers.js'

afterAll(() => removeWorkspaces())

test('inputs come from the file unless with: sets them; paths are relative to the file', async () => {
  const run = await runAction({
    inputs: fixtureInputs({ 'config-file': '.github/perf-gate.yaml', rounds: '4' }),
    files: {
      '.github/perf-gate.yaml': [
        '# yaml-language-server: $schema=../schema/perf-gate.schema.json',
        'sampling-rates: [1]',
        'rounds: 3 # with: says 4, which wins',
        'max-rounds: 4',
        'max-qps-overhead: none',
        'max-p99-overhead: none',
        'max-qps-regression: none',
        'output-dir: gate-out',
        ''
      ].join('\n')
    }
  })
  expectExit(run, 0)
  expect(run.outputs.verdict).toBe('pass')
  const outDir = path.join(run.cwd, '.github', 'gate-out')
  expect(run.outputs['results-path']).toBe(path.join(outDir, 'results.json'))
  const results = readResults(run)
  expect(results.settings.samplingRates).toEqual([1])
  expect(results.settings.rounds).toBe(4)
  expect(results.comparisons.filter((c) => c.decision !== null)).toEqual([])
  expect(run.stdout).toContain(
    'config file .github/perf-gate.yaml: sampling-rates, max-qps-overhead, max-p99-overhead, max-rounds, output-dir, max-qps-regression from the file; rounds set in with: instead'
  )
}, 120_000)

test('a bad file fails the step before measuring, naming the key, the value and what was expected', async () => {
  const run = await runAction({
    inputs: fixtureInputs({ 'config-file': 'gate.json' }),
    files: { 'gate.json': JSON.stringify({ 'round-design': 'duet', conections: 3 }) }
  })
  expectExit(run, 1)
  expect(run.outputs.verdict).toBe('error')
  expect(run.errors).toEqual([
    `OTLP perf gate: config file '${path.join(run.cwd, 'gate.json')}' has 2 problems:\n` +
      "- 'round-design' must be one of 'alternating', 'side-by-side', 'sequential', got 'duet'\n" +
      "- unknown key 'conections' (did you mean 'connections'?)"
  ])
  expect(fs.existsSync(path.join(run.cwd, 'otlp-perf-gate'))).toBe(false)
}, 60_000)
