import { run } from './main.js'

// Explicit exit after flushing: a dangling keep-alive socket must not keep the job step alive.
run().finally(() => process.exit())
