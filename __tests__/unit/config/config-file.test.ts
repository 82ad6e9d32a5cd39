import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { UsageError } from '../../../src/errors.js'
import { configToInputs, loadConfigFile, parseConfigText } from '../../../src/config/config-file.js'
import { configFromArgs, mergeInputs, runCli } from '../../../src/cli/run.js'
import { parseCliArgs } from '../../../src/cli/args.js'
import { ConfigError, parseConfig, type RawInputs } from '../../../src/config/config.js'

/** The same document written as YAML and as JSON must give the same inputs. */
const cases: [string, string, string, RawInputs][] = [
  [
    'strings pass through',
    'start-command: node server.js\n',
    '{"start-command": "node server.js"}',
    { 'start-command': 'node server.js' }
  ],
  [
    'numbers become strings',
    'rounds: 12\nround-duration: 2.5\n',
    '{"rounds": 12, "round-duration": 2.5}',
    { rounds: '12', 'round-duration': '2.5' }
  ],
  [
    'a list of rates is comma-joined',
    'sampling-rates: [0.01, 1]\n',
    '{"sampling-rates": [0.01, 1]}',
    { 'sampling-rates': '0.01,1' }
  ],
  [
    'a block list of rates',
    'sampling-rates:\n  - 0.1\n  - 0.5\n',
    '{"sampling-rates": [0.1, 0.5]}',
    { 'sampling-rates': '0.1,0.5' }
  ],
  [
    'a comma string of rates',
    "sampling-rates: '0.01,1'\n",
    '{"sampling-rates": "0.01,1"}',
    { 'sampling-rates': '0.01,1' }
  ],
  [
    'an env map becomes KEY=VALUE lines',
    'env:\n  A: 1\n  B: x y\n  C: true\n',
    '{"env": {"A": 1, "B": "x y", "C": true}}',
    { env: 'A=1\nB=x y\nC=true' }
  ],
  ['an env list', 'env: [A=1, B=2]\n', '{"env": ["A=1", "B=2"]}', { env: 'A=1\nB=2' }],
  ['an env block string', 'env: |\n  A=1\n  B=2\n', '{"env": "A=1\\nB=2\\n"}', { env: 'A=1\nB=2\n' }],
  ['an env value may be null (empty)', 'env:\n  A:\n', '{"env": {"A": null}}', { env: 'A=' }],
  [
    'extra-arms: a mapping of arm → KEY: value map',
    'extra-arms:\n  adaptive:\n    OTEL_TRACES_SAMPLER_ARG: 0.05\n    MY_SAMPLER: on\n  batch: OTEL_BSP_MAX_EXPORT_BATCH_SIZE=64\n',
    '{"extra-arms": {"adaptive": {"OTEL_TRACES_SAMPLER_ARG": 0.05, "MY_SAMPLER": "on"}, "batch": "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=64"}}',
    { 'extra-arms': 'adaptive: OTEL_TRACES_SAMPLER_ARG=0.05 MY_SAMPLER=on\nbatch: OTEL_BSP_MAX_EXPORT_BATCH_SIZE=64' }
  ],
  [
    'extra-arms: a list of lines (YAML reads `- a: X=1` as a mapping)',
    'extra-arms:\n  - a: X=1 Y=2\n  - "b: Z=3"\n',
    '{"extra-arms": [{"a": "X=1 Y=2"}, "b: Z=3"]}',
    { 'extra-arms': 'a: X=1 Y=2\nb: Z=3' }
  ],
  [
    'extra-arms: pairs as a list',
    'extra-arms:\n  a: [X=1, Y=2]\n',
    '{"extra-arms": {"a": ["X=1", "Y=2"]}}',
    { 'extra-arms': 'a: X=1 Y=2' }
  ],
  [
    'grpc-metadata: a mapping becomes key=value lines',
    'grpc-metadata:\n  x-tenant: a\n  x-n: 1\n',
    '{"grpc-metadata": {"x-tenant": "a", "x-n": 1}}',
    { 'grpc-metadata': 'x-tenant=a\nx-n=1' }
  ],
  [
    'grpc-request: a mapping becomes JSON',
    'grpc-request:\n  id: 42\n  tags: [a]\n',
    '{"grpc-request": {"id": 42, "tags": ["a"]}}',
    { 'grpc-request': '{"id":42,"tags":["a"]}' }
  ],
  [
    'grpc-request: a JSON string stays',
    `grpc-request: '{"id": 42}'\n`,
    '{"grpc-request": "{\\"id\\": 42}"}',
    { 'grpc-request': '{"id": 42}' }
  ],
  ['booleans become strings', 'export-step: false\n', '{"export-step": false}', { 'export-step': 'false' }],
  // YAML 1.2: `off` is a string, not false (YAML 1.1 would have broken cpu-pinning: off).
  ['off stays off', 'cpu-pinning: off\n', '{"cpu-pinning": "off"}', { 'cpu-pinning': 'off' }],
  ['none stays none', 'max-p99-overhead: none\n', '{"max-p99-overhead": "none"}', { 'max-p99-overhead': 'none' }],
  ['null means unset (the default)', 'seed:\nrounds: 9\n', '{"seed": null, "rounds": 9}', { rounds: '9' }],
  ['an empty document', '', '{}', {}]
]

describe('config file → raw inputs', () => {
  test.each(cases)('YAML: %s', (_name, yaml, _json, expected) => {
    expect(configToInputs(parseConfigText(yaml, 'gate.yaml'), 'gate.yaml')).toEqual(expected)
  })
  test.each(cases)('JSON: %s', (_name, _yaml, json, expected) => {
    expect(configToInputs(parseConfigText(json, 'gate.json'), 'gate.json')).toEqual(expected)
  })

  const bad: [string, string, string, string][] = [
    [
      'unknown key, close to an input',
      'gate.yaml',
      'round: 3\n',
      "config file 'gate.yaml': unknown key 'round' (did you mean 'rounds'?)"
    ],
    ['unknown key, CLI-only option', 'gate.json', '{"json": true}', "config file 'gate.json': unknown key 'json'"],
    [
      'not a mapping',
      'gate.yaml',
      '- a\n- b\n',
      "config file 'gate.yaml' must contain a mapping of input names to values, got a list"
    ],
    [
      'nested mapping for a scalar input',
      'gate.yaml',
      'rounds:\n  a: 1\n',
      "config file 'gate.yaml': 'rounds' must be an integer, got {\"a\":1}"
    ],
    [
      'nested list item',
      'gate.json',
      '{"sampling-rates": [[1]]}',
      "config file 'gate.json': 'sampling-rates' item 1 must be a number, got [1]"
    ],
    [
      'env value that is a mapping',
      'gate.yaml',
      'env:\n  A:\n    b: 1\n',
      "config file 'gate.yaml': 'env' entry 'A' must be a string, number or boolean, got {\"b\":1}"
    ],
    [
      'env key with =',
      'gate.json',
      '{"env": {"A=B": "c"}}',
      "'env' entry 'A=B' cannot be written as KEY=VALUE on one line"
    ],
    [
      'env value with a newline',
      'gate.json',
      '{"env": {"A": "x\\ny"}}',
      "'env' entry 'A' cannot be written as KEY=VALUE on one line"
    ],
    [
      'extra-arms value with a space',
      'gate.json',
      '{"extra-arms": {"a": {"X": "1 2"}}}',
      "'extra-arms' arm 'a': entry 'X' cannot be written as KEY=VALUE without spaces"
    ],
    [
      'a choice the gate does not have',
      'gate.yaml',
      'cpu-pinning: false\n',
      "config file 'gate.yaml': 'cpu-pinning' must be one of 'auto', 'on', 'off', got 'false'"
    ],
    [
      'every problem at once',
      'gate.yaml',
      'rounds: eight\nsampling-rate: 1\nmode: verify\n',
      "config file 'gate.yaml' has 3 problems:\n- 'rounds' must be an integer, got 'eight'\n- unknown key 'sampling-rate' (did you mean 'sampling-rates'?)\n- 'mode' must be one of 'gate', 'report', 'record', 'measure', 'merge', got 'verify'"
    ],
    [
      'a config file naming another',
      'gate.yaml',
      'config-file: other.yaml\n',
      "config file 'gate.yaml': 'config-file' cannot be set in a config file"
    ],
    ['invalid YAML', 'gate.yml', 'rounds: [1\n', "config file 'gate.yml' is not valid YAML"],
    ['duplicate YAML key', 'gate.yaml', 'rounds: 1\nrounds: 2\n', "config file 'gate.yaml' is not valid YAML"],
    ['invalid JSON', 'gate.json', '{rounds: 1}', "config file 'gate.json' is not valid JSON"],
    [
      'wrong extension',
      'gate.toml',
      'rounds = 1',
      "config file 'gate.toml' must end in .yaml, .yml or .json, got '.toml'"
    ]
  ]
  test.each(bad)('rejects %s', (_name, file, text, message) => {
    let caught: unknown
    try {
      configToInputs(parseConfigText(text, file), file)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(UsageError)
    expect((caught as Error).message).toContain(message)
  })
})

describe('loading and merging', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-cli-config-'))
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('a missing file names the file', () => {
    const file = path.join(dir, 'missing.yaml')
    expect(() => loadConfigFile(file)).toThrow(`cannot read config file '${file}'`)
  })

  test.each([
    [
      'flag over file over default',
      ['--rounds', '10'],
      'rounds: 12\nconnections: 20\n',
      { rounds: '10', connections: '20' }
    ],
    ['file only', [], 'rounds: 12\n', { rounds: '12' }],
    ['an empty flag still overrides the file (back to the default)', ['--seed='], 'seed: 7\n', { seed: '' }]
  ])('%s', (_name, argv, yaml, expected) => {
    const file = path.join(dir, 'merge.yaml')
    fs.writeFileSync(file, yaml)
    const { raw } = mergeInputs(parseCliArgs(argv).inputs, loadConfigFile(file), { cwd: dir })
    expect(raw).toEqual(expected)
  })

  test('the merged inputs go through parseConfig: flags > file > defaults', () => {
    const sub = path.join(dir, 'conf')
    fs.mkdirSync(sub, { recursive: true })
    fs.writeFileSync(
      path.join(sub, 'gate.json'),
      JSON.stringify({ 'start-command': 'node s.js', rounds: 12, 'sampling-rates': [0.5], 'output-dir': 'out' })
    )
    const config = configFromArgs(
      parseCliArgs(['--config', 'conf/gate.json', '--rounds', '9', '--working-directory', 'svc']),
      dir
    )
    expect(config.rounds).toBe(9)
    expect(config.samplingRates).toEqual([0.5])
    expect(config.connections).toBe(50) // default
    // Paths from the file are relative to the file; paths from flags to the cwd.
    expect(config.outputDir).toBe(path.join(sub, 'out'))
    expect(config.workingDirectory).toBe(path.join(dir, 'svc'))
    expect(Object.isFrozen(config)).toBe(true)
  })

  test('every path input resolves against where it was given', () => {
    const sub = path.join(dir, 'paths')
    fs.mkdirSync(sub, { recursive: true })
    fs.writeFileSync(
      path.join(sub, 'gate.yaml'),
      'start-command: x\nbase-start-command: y\nrounds: 12\nworking-directory: head\nbaseline-path: main.json\nresults-file: r.json\n'
    )
    const config = configFromArgs(parseCliArgs(['--config', 'paths/gate.yaml', '--results-file', 'flag.json']), dir)
    expect(config.workingDirectory).toBe(path.join(sub, 'head'))
    // base-working-directory defaults to working-directory's value, resolved like it.
    expect(config.base?.workingDirectory).toBe(path.join(sub, 'head'))
    expect(config.baselinePath).toBe(path.join(sub, 'main.json'))
    expect(config.resultsFile).toBe(path.join(dir, 'flag.json'))
    const withBase = configFromArgs(
      parseCliArgs(['--config', 'paths/gate.yaml', '--base-working-directory', 'base']),
      dir
    )
    expect(withBase.base?.workingDirectory).toBe(path.join(dir, 'base'))
  })

  test('default paths are relative to the cwd', () => {
    const config = configFromArgs(parseCliArgs(['--start-command', 'x']), dir)
    expect(config.workingDirectory).toBe(dir)
    expect(config.outputDir).toBe(path.join(dir, 'otlp-perf-gate'))
  })
})

/** Capturing io for runCli. */
function captureIo(cwd: string) {
  const out: string[] = []
  const err: string[] = []
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
      isTTY: false,
      env: {},
      cwd
    },
    stdout: () => out.join(''),
    stderr: () => err.join('')
  }
}

function actionMessage(raw: RawInputs): string {
  try {
    parseConfig(raw)
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return (e as Error).message
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(raw)}`)
}

describe('runCli: invalid options exit 2 with the action messages', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-cli-invalid-'))
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  const invalid: [string, string[], RawInputs][] = [
    ['missing start-command', [], {}],
    ['connections 0', ['--start-command', 'x', '--connections', '0'], { 'start-command': 'x', connections: '0' }],
    [
      'non-loopback target',
      ['--start-command=x', '--target-url=http://example.com/'],
      { 'start-command': 'x', 'target-url': 'http://example.com/' }
    ],
    [
      'bad rate',
      ['--start-command', 'x', '--sampling-rates', '0.01,2'],
      { 'start-command': 'x', 'sampling-rates': '0.01,2' }
    ],
    ['bad env line', ['--start-command', 'x', '--env', 'not a pair'], { 'start-command': 'x', env: 'not a pair' }],
    ['fewer than 3 rounds', ['--start-command', 'x', '--rounds', '2'], { 'start-command': 'x', rounds: '2' }],
    [
      'several at once',
      ['--connections', '0', '--on-inconclusive', 'maybe'],
      { connections: '0', 'on-inconclusive': 'maybe' }
    ]
  ]
  test.each(invalid)('%s', async (_name, argv, raw) => {
    const c = captureIo(dir)
    expect(await runCli(argv, c.io)).toBe(2)
    expect(c.stderr()).toContain(actionMessage(raw))
    expect(c.stdout()).toBe('')
  })

  test('a bad value in the config file gets the action message too', async () => {
    const file = path.join(dir, 'bad.yaml')
    fs.writeFileSync(file, 'start-command: x\nconfidence: 101\n')
    const c = captureIo(dir)
    expect(await runCli(['--config', 'bad.yaml'], c.io)).toBe(2)
    expect(c.stderr()).toContain(actionMessage({ 'start-command': 'x', confidence: '101' }))
  })

  test('an unknown key in the config file names the file and the key', async () => {
    fs.writeFileSync(path.join(dir, 'typo.yaml'), 'start-command: x\nconections: 5\n')
    const c = captureIo(dir)
    expect(await runCli(['--config', 'typo.yaml'], c.io)).toBe(2)
    expect(c.stderr()).toContain(
      `config file '${path.join(dir, 'typo.yaml')}': unknown key 'conections' (did you mean 'connections'?)`
    )
  })

  test('an unknown option exits 2 with a suggestion', async () => {
    const c = captureIo(dir)
    expect(await runCli(['--start-command', 'x', '--sampling-rate', '1'], c.io)).toBe(2)
    expect(c.stderr()).toContain("unknown option '--sampling-rate' (did you mean '--sampling-rates'?)")
  })

  test('action-only inputs are accepted with a warning', async () => {
    const c = captureIo(dir)
    // Still exits 2 (no start-command), but after parsing the comment inputs without complaint.
    await runCli(['--comment', 'never', '--github-token', 't', '--connections', '0', '--start-command', 'x'], c.io)
    expect(c.stderr()).not.toContain('unknown option')
    const ok = captureIo(dir)
    expect(await runCli(['--mode', 'report', '--results-file', 'nope.json', '--comment', 'never'], ok.io)).toBe(2)
    expect(ok.stderr()).toContain(
      "warning: 'comment' only apply to the action (the PR comment, the data branch); the CLI ignores them"
    )
  })

  test('--mode report with a missing results file exits 2 naming the file', async () => {
    const c = captureIo(dir)
    expect(await runCli(['--mode', 'report', '--results-file', 'nope.json'], c.io)).toBe(2)
    expect(c.stderr()).toContain(`'results-file' '${path.join(dir, 'nope.json')}' is not a usable results file`)
  })

  test('a positional argument exits 2', async () => {
    const c = captureIo(dir)
    expect(await runCli(['--start-command', 'x', 'now'], c.io)).toBe(2)
    expect(c.stderr()).toContain("unexpected argument 'now'")
  })
})
