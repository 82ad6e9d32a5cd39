import type { SpanTally } from './tally.js'
import type { OtlpReceiver } from './types.js'

/**
 * The receiver both transports (HTTP, gRPC) hand out: the tally's counts at `http://host:port`, and a
 * close that runs `shutdown` once however often it is called.
 */
export function tallyReceiver(
  tally: SpanTally,
  host: string,
  port: number,
  shutdown: () => Promise<void>
): OtlpReceiver {
  const urlHost = host.includes(':') ? `[${host}]` : host
  let closed: Promise<void> | null = null
  return {
    endpoint: `http://${urlHost}:${port}`,
    port,
    snapshot: () => tally.snapshot(),
    windowCounts: (t0Ms, t1Ms) => tally.windowCounts(t0Ms, t1Ms),
    reset: () => tally.reset(),
    close: () => (closed ??= shutdown())
  }
}
