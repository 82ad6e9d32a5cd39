import { run } from './main.js'
import { processIo, runCli } from './cli/run.js'

/**
 * One bundle serves both: the runner starts dist/index.js (the action); the `otlp-perf-gate` bin
 * (bin/otlp-perf-gate.js) sets this registered symbol on globalThis, then imports the same file.
 * A global rather than an environment variable, so that the service never inherits it.
 */
const CLI_FLAG = Symbol.for('otlp-perf-gate.cli')

// Either way the exit is explicit, after flushing: a dangling keep-alive socket must not keep it alive.
if ((globalThis as Record<symbol, unknown>)[CLI_FLAG] === true) {
  runCli(process.argv.slice(2), processIo(process)).then((code) =>
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
  )
} else {
  run().finally(() => process.exit())
}
