/** The zero-code Python (opentelemetry-instrument, Flask) fixture (fixtures/python): direct boot–load–SIGTERM checks and the real gate on it. See helpers/zero-code.ts. */
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import { describeIfFixture } from '../helpers/fixtures.js'
import { directTests, gateTest, zeroCodePaths, type ZeroCodeSpec } from '../helpers/zero-code.js'

describeIfFixture('python', 'Python (opentelemetry-instrument, Flask) zero-code fixture', (paths) => {
  const fixture = zeroCodePaths('python', paths)
  let receiver: OtlpReceiver
  beforeAll(async () => {
    receiver = await startOtlpReceiver()
  })
  afterAll(async () => {
    await receiver.close()
  })

  const spec: ZeroCodeSpec = { spansPerRequest: [1, 1], sigtermExit: 0 }
  directTests('python', fixture, spec, () => receiver)
  gateTest('python', fixture, spec)
})
