#!/usr/bin/env node
import { processIo, runCli } from './cli/run.js'

// Explicit exit after flushing stdout and stderr: a dangling keep-alive socket must not keep the CLI alive.
runCli(process.argv.slice(2), processIo(process)).then((code) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code))))
