import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderHelp, EXIT_CODES, wrap } from '../../../src/cli/help.js'
import { CLI_OPTION_SPECS } from '../../../src/cli/args.js'
import { runCli } from '../../../src/cli/run.js'
import { INPUT_SPECS } from '../../../src/config/inputs.js'
import { VERSION } from '../../../src/version.js'

const squash = (s: string): string => s.replaceAll('`', '').replace(/\s+/g, ' ')

function expectCompleteHelp(help: string): void {
  const flat = squash(help)
  for (const spec of INPUT_SPECS) {
    const dflt = spec.required ? '(required)' : spec.default === '' ? '(default: unset)' : `(default: ${spec.default})`
    expect(help).toContain(`--${spec.name} <value>  ${dflt}`)
    expect(flat).toContain(squash(spec.description))
  }
  for (const opt of CLI_OPTION_SPECS) {
    expect(help).toContain(`--${opt.name}`)
    expect(flat).toContain(squash(opt.description))
  }
  for (const { code, meaning } of EXIT_CODES) expect(flat).toContain(`${code} ${squash(meaning)}`)
}

describe('--help', () => {
  test('lists every input with its default and description, the CLI options and the exit codes', () => {
    expectCompleteHelp(renderHelp())
  })

  test('wraps to the terminal width (60..100 columns)', () => {
    for (const columns of [40, 80, 100, 200]) {
      const width = Math.max(60, Math.min(columns, 100))
      // Only the two example command lines and unbreakable words may exceed the width.
      const long = renderHelp(columns)
        .split('\n')
        .filter((l) => l.length > width && !l.includes('otlp-perf-gate') && !l.trim().startsWith('--'))
      expect(long).toEqual([])
    }
  })

  test('wrap keeps every word, in order', () => {
    const text = 'one two three four five six seven eight nine ten'
    const lines = wrap(text, 14, '  ')
    expect(lines.every((l) => l.length <= 14 && l.startsWith('  '))).toBe(true)
    expect(lines.map((l) => l.trim()).join(' ')).toBe(text)
  })

  test('runCli --help and -h print it to stdout and exit 0; --version prints the version', async () => {
    for (const argv of [['--help'], ['-h'], ['--version']]) {
      let out = ''
      let err = ''
      const code = await runCli(argv, {
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: (s: string) => (err += s) },
        isTTY: false,
        env: {},
        cwd: process.cwd()
      })
      expect(code).toBe(0)
      expect(err).toBe('')
      if (argv[0] === '--version') expect(out).toBe(`${VERSION}\n`)
      else expectCompleteHelp(out)
    }
  })
})

// The package's bin: a thin wrapper that runs the action's bundle (dist/index.js) as the CLI.
const BUNDLE = fileURLToPath(new URL('../../../bin/otlp-perf-gate.js', import.meta.url))
const ACTION_BUNDLE = fileURLToPath(new URL('../../../dist/index.js', import.meta.url))
const built = fs.existsSync(ACTION_BUNDLE)
if (!built) {
  // Visible in the test log, so a skipped bundle check is not mistaken for a passing one.
  console.warn(`skipping the bundled CLI test: ${ACTION_BUNDLE} is not built (run 'npm run build')`)
}

describe('bundled CLI (bin/otlp-perf-gate.js → dist/index.js)', () => {
  const maybe = built ? test : test.skip

  maybe('is an executable node script', () => {
    expect(fs.readFileSync(BUNDLE, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    expect(fs.statSync(BUNDLE).mode & 0o111).not.toBe(0)
  })

  maybe('--help as a child process prints the complete help and exits 0', async () => {
    const child = spawn(BUNDLE, ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    try {
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
      expect({ code, err }).toEqual({ code: 0, err: '' })
      // Names only: descriptions may have been edited since the last build; the in-process test checks them.
      // A name missing here means dist/ is older than src/config/inputs.ts: run `npm run build`.
      const missing = [...INPUT_SPECS, ...CLI_OPTION_SPECS].map((o) => `--${o.name}`).filter((n) => !out.includes(n))
      expect(missing).toEqual([])
      expect(out).toContain('Exit codes:')
    } finally {
      clearTimeout(timer)
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })

  maybe('an unknown option as a child process exits 2 with a suggestion on stderr', async () => {
    const child = spawn(BUNDLE, ['--conections', '5'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    try {
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
      expect(code).toBe(2)
      expect(out).toBe('')
      expect(err).toContain("unknown option '--conections' (did you mean '--connections'?)")
    } finally {
      clearTimeout(timer)
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
