/** runEngine with a gRPC target: a known tracing overhead fails a tight QPS budget. */
import * as fs from 'node:fs'
import { parseConfig } from '../../../src/config/config.js'
import { runEngine } from '../../../src/gate/engine.js'
import { grpcEngineInputs, tempOutputDir } from './engine-helpers.js'

const outputDir = tempOutputDir()
afterAll(() => fs.rmSync(outputDir, { recursive: true, force: true }))

test('3 ms of extra CPU per traced call against a 5% QPS budget: verdict fail', async () => {
  // 3 ms per traced call caps the traced arm near 300 calls/s against ~1–3k untraced. 7 blocks, not 6:
  // with 6 every block must point the same way for the exact sign-flip test to allow a FAIL, and on
  // this shared 2-core machine one off round can collapse; 7 tolerate one such block.
  const config = parseConfig(
    grpcEngineInputs(outputDir, {
      'max-qps-overhead': '5',
      rounds: '7',
      env: 'NODE_OPTIONS=\nFIXTURE_TRACING_EXTRA_CPU_US=3000'
    })
  )
  const run = await runEngine(config)
  const qps = run.comparisons.find((c) => c.metric === 'qps' && c.kind === 'overhead')
  expect(qps).toMatchObject({ n: 7, budget: 0.05, decision: 'fail' })
  expect(qps!.overhead).toBeGreaterThan(0.5)
  expect(run.gate.verdict).toBe('fail')
  expect(run.gate.failCheck).toBe(true)
})
