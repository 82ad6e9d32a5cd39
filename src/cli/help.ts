import { INPUT_SPECS } from '../config/inputs.js'
import { VERSION } from '../version.js'
import { ACTION_ONLY_INPUTS, CLI_OPTION_SPECS } from './args.js'

/** Exit codes of the CLI, for --help and the README. */
export const EXIT_CODES: readonly { code: number; meaning: string }[] = [
  { code: 0, meaning: 'pass; also inconclusive with --on-inconclusive warn (prints a warning) or pass' },
  { code: 1, meaning: 'fail: tracing costs more than a budget' },
  { code: 2, meaning: 'error: invalid options or config file, or the measurement failed (message on stderr)' },
  { code: 3, meaning: 'inconclusive with --on-inconclusive fail' }
]

/** Greedy word wrap of `text` to `width` columns, every line prefixed by `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') lines.push(indent + line)
  return lines
}

/** Markdown code spans read fine in a terminal without their backticks. */
function plain(text: string): string {
  return text.replaceAll('`', '')
}

/** The --help text, generated from INPUT_SPECS (so it lists every input) and the CLI-only options. */
export function renderHelp(columns = 80): string {
  const width = columns > 0 ? Math.max(60, Math.min(columns, 100)) : 80
  const out: string[] = [
    `otlp-perf-gate ${VERSION} — the OTLP perf gate from a terminal: the same engine, options and report as the ` +
      `GitHub Action.`,
    '',
    'Usage:',
    '  otlp-perf-gate --start-command <cmd> [--name value | --name=value]...',
    '  otlp-perf-gate --config perf-gate.yaml [--name value]...',
    "  otlp-perf-gate history <path>      print main's history (mode: record) and its change points",
    '',
    ...wrap(
      'Boots the service once per round with tracing off and on (standard OTEL_* variables), loads it, counts its ' +
        'spans and decides pass / fail / inconclusive. Progress goes to stderr; the markdown report (or --json) ' +
        'to stdout; ' +
        'report.md and results.json are written to --output-dir. Precedence: flags > --config file > defaults. ' +
        'With --mode report the CLI renders --results-file (e.g. a CI artifact) instead of measuring, posts nothing, ' +
        "and exits with that file's verdict. With --mode record it measures as the gate does, then appends the run " +
        'to --history-path and prints the change points of main it finds (docs/history.md).',
      width,
      ''
    ),
    '',
    'Inputs of the action (same names, defaults and checks):'
  ]
  for (const spec of INPUT_SPECS) {
    const dflt = spec.required ? '(required)' : spec.default === '' ? '(default: unset)' : `(default: ${spec.default})`
    const actionOnly = (ACTION_ONLY_INPUTS as readonly string[]).includes(spec.name)
      ? '  [action only: ignored by the CLI]'
      : ''
    out.push(`  --${spec.name} <value>  ${dflt}${actionOnly}`)
    out.push(...wrap(plain(spec.description), width, '      '))
  }
  out.push('', 'CLI options:')
  for (const opt of CLI_OPTION_SPECS) {
    const names = opt.short ? `-${opt.short}, --${opt.name}` : `--${opt.name}`
    out.push(`  ${names}${opt.value ? ` ${opt.value}` : ''}`)
    out.push(...wrap(opt.description, width, '      '))
  }
  out.push('', 'Exit codes:')
  for (const { code, meaning } of EXIT_CODES)
    out.push(...wrap(meaning, width, `  ${code}  `).map((l, i) => (i === 0 ? l : `     ${l.slice(5)}`)))
  out.push(
    '',
    'Examples:',
    "  otlp-perf-gate --start-command 'node server.js' --sampling-rates 0.01,1 \\",
    "      --target-url 'http://127.0.0.1:{port}/api' --env 'DB_URL=sqlite::memory:'",
    '  otlp-perf-gate --config perf-gate.yaml --rounds 12 --json > results.json',
    ''
  )
  return out.join('\n')
}
