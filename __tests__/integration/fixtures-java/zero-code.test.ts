/** The zero-code Java (OpenTelemetry Java agent) fixture (fixtures/java): direct boot–load–SIGTERM checks and the real gate on it. See helpers/zero-code.ts. */
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import { describeIfFixture } from '../helpers/fixtures.js'
import { directTests, gateTest, zeroCodePaths, type ZeroCodeSpec } from '../helpers/zero-code.js'

describeIfFixture('java', 'Java (OpenTelemetry Java agent) zero-code fixture', (paths) => {
  const fixture = zeroCodePaths('java', paths)
  let receiver: OtlpReceiver
  beforeAll(async () => {
    receiver = await startOtlpReceiver()
  })
  afterAll(async () => {
    await receiver.close()
  })

  const spec: ZeroCodeSpec = { spansPerRequest: [1, 1], sigtermExit: 143 }
  directTests('java', fixture, spec, () => receiver)
  gateTest('java', fixture, spec)
})
