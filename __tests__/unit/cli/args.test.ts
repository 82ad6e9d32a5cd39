import { parseCliArgs, type CliArgs } from '../../../src/cli/args.js'
import { closest, editDistance } from '../../../src/config/suggest.js'
import { UsageError } from '../../../src/errors.js'
import { INPUT_SPECS } from '../../../src/config/inputs.js'

function parseError(argv: string[]): string {
  try {
    parseCliArgs(argv)
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError)
    return (e as Error).message
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(argv)}`)
}

describe('parseCliArgs: accepted command lines', () => {
  const base: CliArgs = { inputs: {}, json: false, quiet: false, verbose: false, help: false, version: false }
  const cases: [string, string[], Partial<CliArgs>][] = [
    ['nothing', [], {}],
    ['--name value', ['--rounds', '12'], { inputs: { rounds: '12' } }],
    ['--name=value', ['--rounds=12'], { inputs: { rounds: '12' } }],
    ['value with spaces', ['--start-command', 'node server.js'], { inputs: { 'start-command': 'node server.js' } }],
    ['value with = inside', ['--env=A=1'], { inputs: { env: 'A=1' } }],
    ['value starting with a dash, inline', ['--start-command=-x'], { inputs: { 'start-command': '-x' } }],
    ['empty value (means the default)', ['--seed='], { inputs: { seed: '' } }],
    ['repeated option: the last wins', ['--rounds', '8', '--rounds', '10'], { inputs: { rounds: '10' } }],
    ['repeated --env adds lines', ['--env', 'A=1', '--env', 'B=2'], { inputs: { env: 'A=1\nB=2' } }],
    [
      'repeated --extra-arms adds lines',
      ['--extra-arms', 'a: X=1', '--extra-arms=b: Y=2'],
      { inputs: { 'extra-arms': 'a: X=1\nb: Y=2' } }
    ],
    ['--config', ['--config', 'gate.yaml'], { configFile: 'gate.yaml' }],
    ['switches', ['--json', '--quiet', '--verbose'], { json: true, quiet: true, verbose: true }],
    ['--version', ['--version'], { version: true }],
    ['-h', ['-h'], { help: true }],
    ['--help wins over other problems', ['--bogus', 'x', '--help'], { help: true }],
    [
      'mixed',
      ['--sampling-rates', '0.01,1', '--json', '--max-p99-overhead=none'],
      { inputs: { 'sampling-rates': '0.01,1', 'max-p99-overhead': 'none' }, json: true }
    ]
  ]
  test.each(cases)('%s', (_name, argv, expected) => {
    expect(parseCliArgs(argv)).toEqual({ ...base, ...expected })
  })

  test('every action input is an option, in both spellings', () => {
    for (const spec of INPUT_SPECS.filter((s) => s.name !== 'config-file')) {
      expect(parseCliArgs([`--${spec.name}`, 'v1']).inputs).toEqual({ [spec.name]: 'v1' })
      expect(parseCliArgs([`--${spec.name}=v2`]).inputs).toEqual({ [spec.name]: 'v2' })
    }
  })
})

test("--config-file, the action's name for the config file, is --config", () => {
  expect(parseCliArgs(['--config-file', 'gate.yaml'])).toMatchObject({ configFile: 'gate.yaml', inputs: {} })
  expect(parseCliArgs(['--config-file=gate.json'])).toMatchObject({ configFile: 'gate.json', inputs: {} })
})

describe('parseCliArgs: rejected command lines', () => {
  const cases: [string, string[], string][] = [
    ['unknown option with a close name', ['--round', '3'], "unknown option '--round' (did you mean '--rounds'?)"],
    [
      'unknown option, prefix of an input',
      ['--max-error=5'],
      "unknown option '--max-error' (did you mean '--max-error-rate'?)"
    ],
    ['unknown option, typo', ['--conections', '5'], "unknown option '--conections' (did you mean '--connections'?)"],
    ['unknown option, nothing close', ['--frobnicate'], "unknown option '--frobnicate'"],
    ['single-dash word', ['-rounds', '3'], "unknown option '-rounds' (did you mean '--rounds'?)"],
    ['unknown short option', ['-x'], "unknown option '-x'"],
    ['positional', ['serve'], "unexpected argument 'serve': options are written --name value or --name=value"],
    ['positional config file', ['gate.yaml'], "unexpected argument 'gate.yaml' (did you mean '--config gate.yaml'?)"],
    ['after --', ['--', 'x'], "unexpected argument 'x'"],
    ['missing value at the end', ['--rounds'], "option '--rounds' needs a value"],
    ['next option taken as value', ['--rounds', '--json'], "option '--rounds' needs a value"],
    ['value for a switch', ['--json=yes'], "option '--json' takes no value, got 'yes'"],
    ['missing --config value', ['--config'], "option '--config' needs a value"]
  ]
  test.each(cases)('%s', (_name, argv, message) => {
    expect(parseError(argv)).toContain(message)
  })

  test('the value of an unknown option is not reported as a second problem', () => {
    expect(parseError(['--round', '3'])).toBe("unknown option '--round' (did you mean '--rounds'?)")
  })

  test('several problems are all listed', () => {
    const msg = parseError(['--round', '3', '--json=1', 'extra'])
    expect(msg).toMatch(/^3 problems with the command line:/)
    expect(msg).toContain("unknown option '--round'")
    expect(msg).toContain("option '--json' takes no value")
    expect(msg).toContain("unexpected argument 'extra'")
  })
})

describe('suggestions', () => {
  test.each([
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['rounds', 'rounds', 0],
    ['round', 'rounds', 1]
  ])('editDistance(%s, %s) = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d)
  })

  test.each([
    ['seeed', 'seed'],
    ['sampling-rate', 'sampling-rates'],
    ['otlp', 'otlp-protocol'],
    ['max', undefined], // ambiguous prefix, far from everything
    ['zzzzzzzz', undefined]
  ])('closest(%s) = %s', (name, expected) => {
    expect(
      closest(
        name,
        INPUT_SPECS.map((s) => s.name)
      )
    ).toBe(expected)
  })
})
