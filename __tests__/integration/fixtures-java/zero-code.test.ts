/** The zero-code Java (OpenTelemetry Java agent) fixture (fixtures/java): direct boot–load–SIGTERM checks. See helpers/zero-code.ts. */
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import { describeIfFixture } from '../helpers/fixtures.js'
import { directTests, zeroCodePaths } from '../helpers/zero-code.js'

describeIfFixture('java', 'Java (OpenTelemetry Java agent) zero-code fixture', (paths) => {
  const fixture = zeroCodePaths('java', paths)
  let receiver: OtlpReceiver
  beforeAll(async () => {
    receiver = await startOtlpReceiver()
  })
  afterAll(async () => {
    await receiver.close()
  })

  directTests('java', fixture, { spansPerRequest: [1, 1], sigtermExit: 143 }, () => receiver)
})
