/**
 * `mode: measure` twice on the Gin fixture (two runs standing for two matrix runners, short blocks),
 * then `mode: merge` of both through the CLI with a glob the program expands: one verdict over the
 * pooled blocks, the runners listed, each run's blocks kept apart. No timing is asserted.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runCli } from '../../../src/cli/run.js'
import { killAllServices } from '../../../src/service/service.js'
import { readResultsFile } from '../../../src/results/read.js'
import { captureIo, SHORT_RUN_ARGS } from '../../helpers/cli.js'
import { describeIfFixture } from '../helpers/fixtures.js'

const TIMEOUT_MS = 180_000

describeIfFixture('go', 'mode: measure on two runs, then mode: merge (Gin fixture, CLI)', (paths) => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-merge-'))
  })
  afterAll(async () => {
    await killAllServices()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const measureArgs = (out: string): string[] => [
    '--start-command',
    String(paths.gin),
    '--target-url',
    'http://127.0.0.1:{port}/api/v1/users/42',
    '--ready-url',
    'http://127.0.0.1:{port}/healthz',
    '--service-name',
    'gin-fixture',
    ...SHORT_RUN_ARGS,
    '--mode',
    'measure',
    '--quiet',
    '--output-dir',
    out
  ]

  test(
    'two measure runs merge into one verdict over 12 blocks; the same run twice is refused by name',
    async () => {
      for (const runner of ['a', 'b']) {
        const c = captureIo(dir)
        const code = await runCli(measureArgs(path.join(dir, 'runs', runner)), c.io)
        expect({ code, stderr: c.stderr() }).toEqual({ code: 0, stderr: expect.stringContaining('mode: measure') })
        const r = readResultsFile(path.join(dir, 'runs', runner, 'results.json'))
        expect(r.verdict).toBe('measured')
        expect(r.failCheck).toBe(false)
        expect(r.plan.blocks).toBe(6)
        expect(r.measured?.fingerprint['start-command']).toBe(JSON.stringify(String(paths.gin)))
        expect(r.comparisons.every((x) => x.decision === null)).toBe(true)
      }

      const m = captureIo(dir)
      const code = await runCli(
        [
          '--mode',
          'merge',
          '--results',
          'runs/*/results.json',
          '--max-qps-overhead',
          '95',
          '--max-p99-overhead',
          'none',
          '--output-dir',
          path.join(dir, 'merged')
        ],
        m.io
      )
      const merged = readResultsFile(path.join(dir, 'merged', 'results.json'))
      expect(['pass', 'inconclusive']).toContain(merged.verdict)
      expect(code).toBe(0)
      expect(merged.merged?.runs.map((r) => [r.file, r.blocks, r.firstBlock])).toEqual([
        ['runs/a/results.json', 6, 0],
        ['runs/b/results.json', 6, 6]
      ])
      const qps = merged.comparisons.find((c) => c.metric === 'qps' && c.armId === 'on@1' && c.phase === undefined)!
      expect(qps.n).toBe(12)
      expect(qps.runners?.blocks).toEqual([6, 6])
      expect(qps.decision).not.toBeNull()
      expect(m.stdout()).toContain('#### Runners (merged: 2 runs, 12 blocks)')

      // A copy of run a under another name: the same run twice, an error naming both files.
      fs.mkdirSync(path.join(dir, 'runs', 'c'))
      fs.copyFileSync(path.join(dir, 'runs', 'a', 'results.json'), path.join(dir, 'runs', 'c', 'results.json'))
      const dup = captureIo(dir)
      const dupCode = await runCli(
        ['--mode', 'merge', '--results', 'runs/*/results.json', '--output-dir', path.join(dir, 'dup')],
        dup.io
      )
      expect(dupCode).toBe(2)
      expect(dup.stderr()).toContain("'runs/c/results.json' is the same run as 'runs/a/results.json'")
    },
    TIMEOUT_MS
  )
})
