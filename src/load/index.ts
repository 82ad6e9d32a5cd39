/** Load generation: autocannon adapter with a µs latency histogram. */
export { runLoad } from './load.js'
export type { LoadOptions, LoadRun } from './load.js'
export { createLatencyHistogram, summarizeLatency, msToUs } from './histogram.js'
