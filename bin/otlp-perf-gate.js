#!/usr/bin/env node
// The `otlp-perf-gate` CLI: the action's own bundle, told to run as the CLI (see src/index.ts).
globalThis[Symbol.for('otlp-perf-gate.cli')] = true
await import('../dist/index.js')
