/** Parsing of the load-scenario inputs: connections list, open-loop-rate, max-p99-open-overhead, spike. */
import { ConfigError, gatedComparisonCount, parseConfig, type RawInputs } from '../../../src/config/config.js'
import { configToInputs, parseConfigText } from '../../../src/config/config-file.js'

const base: RawInputs = { 'start-command': 'node server.mjs' }

describe('defaults keep the single closed-loop level and no extra scenario', () => {
  test('defaults', () => {
    const c = parseConfig(base)
    expect(c.connections).toBe(50)
    expect(c.connectionLevels).toEqual([50])
    expect(c.openLoopRate).toBeNull()
    expect(c.maxP99OpenOverhead).toBeNull()
    expect(c.spike).toBeNull()
    expect(Object.isFrozen(c.connectionLevels)).toBe(true)
  })
})

describe('valid scenario inputs', () => {
  test.each<[string, RawInputs, Partial<ReturnType<typeof parseConfig>>]>([
    ['one level', { connections: '8' }, { connections: 8, connectionLevels: [8] }],
    [
      'three levels, first is primary',
      { connections: '50,10, 200' },
      { connections: 50, connectionLevels: [50, 10, 200] }
    ],
    ['levels on lines', { connections: '10\n50' }, { connections: 10, connectionLevels: [10, 50] }],
    ['open loop auto', { 'open-loop-rate': 'auto' }, { openLoopRate: 'auto' }],
    ['open loop AUTO', { 'open-loop-rate': 'AUTO' }, { openLoopRate: 'auto' }],
    ['open loop none', { 'open-loop-rate': 'none' }, { openLoopRate: null }],
    ['open loop fixed rate', { 'open-loop-rate': '6000' }, { openLoopRate: 6000 }],
    ['open loop fractional rate', { 'open-loop-rate': '2.5' }, { openLoopRate: 2.5 }],
    ['open-loop budget', { 'open-loop-rate': 'auto', 'max-p99-open-overhead': '25' }, { maxP99OpenOverhead: 0.25 }],
    ['spike peak only', { spike: '200' }, { spike: { peak: 200, durationSec: 30 } }],
    ['spike peak and seconds', { spike: '20/4' }, { spike: { peak: 20, durationSec: 4 } }],
    ['spike with spaces', { spike: '5000 / 180' }, { spike: { peak: 5000, durationSec: 180 } }],
    ['spike none', { spike: 'none' }, { spike: null }]
  ])('%s', (_name, inputs, expected) => {
    expect(parseConfig({ ...base, ...inputs })).toMatchObject(expected)
  })
})

describe('bad scenario inputs name the input and quote the value', () => {
  test.each<[string, RawInputs, string]>([
    [
      'zero connections (one level: the original message)',
      { connections: '0' },
      "'connections' must be an integer from 1 to 100000, got '0'"
    ],
    [
      'zero in a list',
      { connections: '10,0' },
      "'connections' must be integers from 1 to 100000 (the first is the primary level), got '0' in '10,0'"
    ],
    ['word in a list', { connections: '10,many' }, "got 'many' in '10,many'"],
    ['fraction in a list', { connections: '10,2.5' }, "got '2.5' in '10,2.5'"],
    ['duplicate level', { connections: '10,50,10' }, "'connections' lists 10 twice in '10,50,10'"],
    [
      'open loop word',
      { 'open-loop-rate': 'fast' },
      "'open-loop-rate' must be 'auto', 'none' or a rate in requests per second from 1 to 1000000, got 'fast'"
    ],
    [
      'open loop zero',
      { 'open-loop-rate': '0' },
      "'open-loop-rate' must be 'auto', 'none' or a rate in requests per second from 1 to 1000000, got '0'"
    ],
    ['open loop negative', { 'open-loop-rate': '-5' }, "got '-5'"],
    [
      'open budget without open loop',
      { 'max-p99-open-overhead': '20' },
      "'max-p99-open-overhead' needs 'open-loop-rate' ('auto' or requests per second), got '20'"
    ],
    [
      'open budget negative',
      { 'open-loop-rate': 'auto', 'max-p99-open-overhead': '-1' },
      "'max-p99-open-overhead' must be a percentage from 0 to 10000 (or 'none' to report without gating), got '-1'"
    ],
    [
      'open loop with a gRPC target',
      {
        'open-loop-rate': 'auto',
        'grpc-method': 'user.UserService/GetUser',
        'grpc-proto': 'user.proto',
        'target-url': '',
        'ready-url': ''
      },
      "'open-loop-rate' is not supported with 'grpc-method' yet"
    ],
    [
      'spike word',
      { spike: 'big' },
      "'spike' must be 'N' or 'N/seconds' with N peak connections from 1 to 100000, e.g. '200/30', got 'big'"
    ],
    ['spike zero peak', { spike: '0/30' }, "'spike' must be 'N' or 'N/seconds'"],
    [
      'spike too short',
      { spike: '100/1' },
      "'spike' must be a ramp of 2 to 3600 seconds after the '/' (each of its 10 stages lasts 1/10 of it), e.g. '100/30', got '100/1'"
    ],
    ['spike too long', { spike: '100/7200' }, "got '100/7200'"],
    ['spike negative seconds', { spike: '100/-3' }, "got '100/-3'"]
  ])('%s', (_name, inputs, message) => {
    let err: unknown
    try {
      parseConfig({ ...base, ...inputs })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toContain(message)
  })

  test('several bad scenario inputs are reported together', () => {
    expect(() => parseConfig({ ...base, connections: '10,x', spike: 'huge' })).toThrow(
      /2 invalid inputs:\n- 'connections'.*\n- 'spike'/s
    )
  })
})

describe('config files: a YAML list of levels works like the comma-separated input', () => {
  test.each<[string, string, number[]]>([
    ['flow list', 'start-command: node s.mjs\nconnections: [10, 50]\n', [10, 50]],
    ['block list', 'start-command: node s.mjs\nconnections:\n  - 10\n  - 50\n  - 200\n', [10, 50, 200]],
    ['scalar', 'start-command: node s.mjs\nconnections: 20\n', [20]]
  ])('%s', (_name, yaml, levels) => {
    const inputs = configToInputs(parseConfigText(yaml, 'gate.yaml'), 'gate.yaml')
    const c = parseConfig(inputs)
    expect(c.connectionLevels).toEqual(levels)
    expect(c.connections).toBe(levels[0])
  })

  test('open-loop-rate and spike from YAML scalars', () => {
    const inputs = configToInputs(
      parseConfigText('start-command: x\nopen-loop-rate: 6000\nspike: 200/30\n', 'g.yaml'),
      'g.yaml'
    )
    expect(parseConfig(inputs)).toMatchObject({ openLoopRate: 6000, spike: { peak: 200, durationSec: 30 } })
  })
})

describe('gatedComparisonCount counts the open-loop P99 of every traced head arm', () => {
  const none = { 'max-qps-overhead': 'none', 'max-p99-overhead': 'none' }
  test.each<[string, RawInputs, number]>([
    ['no open loop', { ...none }, 0],
    ['open loop reported only', { ...none, 'open-loop-rate': 'auto' }, 0],
    ['open loop gated, two rates', { ...none, 'open-loop-rate': 'auto', 'max-p99-open-overhead': '30' }, 2],
    [
      'open loop gated, one rate and an extra arm',
      {
        ...none,
        'sampling-rates': '1',
        'extra-arms': 'x: A=1',
        'open-loop-rate': '100',
        'max-p99-open-overhead': '30'
      },
      2
    ],
    [
      'with the default budgets too',
      { 'sampling-rates': '1', 'open-loop-rate': 'auto', 'max-p99-open-overhead': '30' },
      3
    ]
  ])('%s', (_name, inputs, m) => {
    expect(gatedComparisonCount(parseConfig({ ...base, ...inputs }))).toBe(m)
  })

  test('only the open loop gated: the family is its P99 per traced head arm', () => {
    const inputs: RawInputs = {
      ...base,
      rounds: '4',
      'open-loop-rate': 'auto',
      'max-p99-open-overhead': '30',
      'max-qps-overhead': 'none',
      'max-p99-overhead': 'none'
    }
    expect(gatedComparisonCount(parseConfig(inputs))).toBe(2)
  })
})
