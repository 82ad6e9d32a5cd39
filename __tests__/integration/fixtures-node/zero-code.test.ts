/** The zero-code Node (auto-instrumentations-node/register, express) fixture (fixtures/node-zero-code): direct boot–load–SIGTERM checks and the real gate on it. See helpers/zero-code.ts. */
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import { describeIfFixture } from '../helpers/fixtures.js'
import { directTests, gateTest, zeroCodePaths, type ZeroCodeSpec } from '../helpers/zero-code.js'

describeIfFixture('node', 'Node (auto-instrumentations-node/register, express) zero-code fixture', (paths) => {
  const fixture = zeroCodePaths('node', paths)
  let receiver: OtlpReceiver
  beforeAll(async () => {
    receiver = await startOtlpReceiver()
  })
  afterAll(async () => {
    await receiver.close()
  })

  const spec: ZeroCodeSpec = { spansPerRequest: [3, 6], sigtermExit: 0 }
  directTests('node', fixture, spec, () => receiver)
  gateTest('node', fixture, spec)
})
