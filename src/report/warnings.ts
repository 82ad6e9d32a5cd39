/** Warnings about how the service behaved around the measurement (not about its performance). */
import type { ServiceStops } from '../results/results.js'

function secs(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1)
}

/**
 * A service that ignores SIGTERM makes every stop wait the full 'stop-timeout' and loses the spans it
 * would have flushed; one that daemonises leaves processes the gate had to hunt down. Say so, with the
 * time it cost and the fix. Pure; [] when the stops were clean or not recorded.
 */
export function serviceStopWarnings(stops: ServiceStops | undefined): string[] {
  if (stops === undefined) return []
  const out: string[] = []
  if (stops.forcedKills > 0) {
    out.push(
      `⚠️ **The service ignored SIGTERM** in ${stops.forcedKills} of ${stops.stops} stops: each waited the full ` +
        `'stop-timeout' (${secs(stops.graceSec)} s) before SIGKILL, ${secs(stops.waitedSec)} s of wall time in all, ` +
        'and spans still buffered were lost. Make the service exit on SIGTERM after flushing ' +
        "(e.g. Node: `process.on('SIGTERM', () => sdk.shutdown().finally(() => process.exit(0)))`), or lower " +
        "'stop-timeout'."
    )
  }
  if (stops.escaped > 0) {
    out.push(
      `⚠️ **${stops.escaped} service process(es) left the process group** (\`setsid\`, double fork or a daemon) and ` +
        `were ` +
        "killed after their round by the gate's environment tag. Run the service in the foreground so that it " +
        'stops with its round.'
    )
  }
  return out
}
