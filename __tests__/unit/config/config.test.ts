import { parseConfig, ConfigError, gatedComparisonCount, type RawInputs } from '../../../src/config/config.js'

const base: RawInputs = { 'start-command': 'node server.mjs' }

describe('parseConfig defaults', () => {
  test('applies every default', () => {
    const c = parseConfig(base)
    expect(c).toMatchObject({
      startCommand: 'node server.mjs',
      workingDirectory: '.',
      port: 0,
      targetUrl: 'http://127.0.0.1:{port}/',
      readyUrl: 'http://127.0.0.1:{port}/',
      samplingRates: [0.01, 1],
      rounds: 8,
      connections: 50,
      maxErrorRate: 0.01,
      maxQpsOverhead: 0.1,
      maxP99Overhead: 0.2,
      confidence: 0.95,
      onInconclusive: 'warn',
      seed: null,
      otlpProtocol: 'http/protobuf',
      cpuPinning: 'auto',
      roundDesign: 'alternating',
      roundDurationSec: 4,
      warmupSec: 'auto',
      warmupCapSec: 30,
      warmupMinSec: 0,
      warmupRuntime: 'other',
      processesPerArm: 1,
      maxRounds: 24,
      timeBudgetSec: 180,
      uninstrumentedCommand: null
    })
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.samplingRates)).toBe(true)
  })

  test('max-rounds auto is three looks of rounds; fewer than rounds is refused', () => {
    expect(parseConfig({ ...base, rounds: '10' }).maxRounds).toBe(30)
    expect(parseConfig({ ...base, rounds: '10', 'max-rounds': '10' }).maxRounds).toBe(10)
    expect(() => parseConfig({ ...base, rounds: '10', 'max-rounds': '9' })).toThrow(
      "'max-rounds' must be at least 'rounds' (10): the first look is after 'rounds' blocks, got '9'"
    )
  })

  test('processes-per-arm: 1-4, side by side, one connections level, no open loop, at least one connection each', () => {
    const sbs = { ...base, 'round-design': 'side-by-side' }
    expect(parseConfig({ ...sbs, 'processes-per-arm': '2' }).processesPerArm).toBe(2)
    expect(() => parseConfig({ ...base, 'processes-per-arm': '2' })).toThrow(
      "'processes-per-arm' must be 1 with 'round-design: alternating' (the processes of an arm run side by side), got '2'"
    )
    expect(() => parseConfig({ ...base, 'processes-per-arm': '5' })).toThrow(/'processes-per-arm'.*'5'/)
    expect(() => parseConfig({ ...base, 'processes-per-arm': 'two' })).toThrow(/'processes-per-arm'.*'two'/)
    expect(() => parseConfig({ ...base, 'processes-per-arm': '2', 'round-design': 'sequential' })).toThrow(
      "'processes-per-arm' must be 1 with 'round-design: sequential' (the processes of an arm run side by side), got '2'"
    )
    expect(() => parseConfig({ ...sbs, 'processes-per-arm': '2', connections: '10,50' })).toThrow(
      /must be 1 with several 'connections' levels \(10,50\)/
    )
    expect(() => parseConfig({ ...sbs, 'processes-per-arm': '2', 'open-loop-rate': '500' })).toThrow(
      /must be 1 with 'open-loop-rate' set/
    )
    expect(() => parseConfig({ ...sbs, 'processes-per-arm': '3', connections: '2' })).toThrow(
      "'processes-per-arm' must be at most 'connections' (2): the arm's connections are split among its processes, got '3'"
    )
  })

  test('alternating and side-by-side rounds need a port each: a fixed port is refused unless sequential', () => {
    expect(() => parseConfig({ ...base, port: '8080' })).toThrow(/'port' is 8080, but with 'round-design: alternating'/)
    expect(() => parseConfig({ ...base, port: '8080', 'round-design': 'side-by-side' })).toThrow(
      /'port' is 8080, but with 'round-design: side-by-side'/
    )
    expect(parseConfig({ ...base, port: '8080', 'round-design': 'sequential' }).port).toBe(8080)
  })

  test('round-duration auto: 4 s alternating, 10 s side by side or sequential; a number is kept', () => {
    expect(parseConfig({ ...base, 'round-design': 'side-by-side' }).roundDurationSec).toBe(10)
    expect(parseConfig({ ...base, 'round-design': 'sequential' }).roundDurationSec).toBe(10)
    expect(parseConfig({ ...base, 'round-duration': '7' }).roundDurationSec).toBe(7)
  })

  test("warmup-duration: 'auto' (default) or seconds; warmup-cap in seconds", () => {
    expect(parseConfig({ ...base, 'warmup-duration': '5' }).warmupSec).toBe(5)
    expect(parseConfig({ ...base, 'warmup-duration': 'AUTO' }).warmupSec).toBe('auto')
    expect(parseConfig({ ...base, 'warmup-cap': '120' }).warmupCapSec).toBe(120)
    expect(() => parseConfig({ ...base, 'warmup-duration': 'long' })).toThrow(
      "'warmup-duration' must be 'auto' or a number of seconds from 0 to 3600, got 'long'"
    )
    expect(() => parseConfig({ ...base, 'warmup-cap': '0' })).toThrow(
      "'warmup-cap' must be 'auto' or a number of seconds from 1 to 3600, got '0'"
    )
  })

  test('empty strings (unset action inputs) mean the default', () => {
    const c = parseConfig({ ...base, rounds: '', 'max-qps-overhead': '', seed: '' })
    expect(c.rounds).toBe(8)
    expect(c.maxQpsOverhead).toBe(0.1)
    expect(c.seed).toBeNull()
  })

  test('parses explicit values', () => {
    const c = parseConfig({
      ...base,
      'sampling-rates': '0, 0.001,0.1\n1',
      'max-qps-overhead': 'none',
      'max-p99-overhead': '7.5',
      seed: '42',
      'on-inconclusive': 'FAIL',
      env: 'A=1\n# comment\n\nB = two words\nC=x=y',
      'target-url': 'http://localhost:{port}/api/v1/users/1',
      'ready-url': 'http://127.0.0.1:{port}/healthz'
    })
    expect(c.samplingRates).toEqual([0, 0.001, 0.1, 1])
    expect(c.maxQpsOverhead).toBeNull()
    expect(c.maxP99Overhead).toBeCloseTo(0.075, 12)
    expect(c.seed).toBe(42)
    expect(c.onInconclusive).toBe('fail')
    expect(c.env).toEqual({ A: '1', B: 'two words', C: 'x=y' })
    expect(c.readyUrl).toBe('http://127.0.0.1:{port}/healthz')
  })
})

describe('parseConfig rejects bad input, naming the input and quoting the value', () => {
  test.each<[string, RawInputs, string]>([
    ['missing command', { 'start-command': '' }, "'start-command' is required"],
    ['zero connections', { ...base, connections: '0' }, "'connections' must be an integer from 1 to 100000, got '0'"],
    ['fractional rounds', { ...base, rounds: '2.5' }, "'rounds' must be an integer from 3 to 1000, got '2.5'"],
    ['too few rounds', { ...base, rounds: '2' }, "'rounds' must be an integer from 3 to 1000, got '2'"],
    [
      'word as number',
      { ...base, 'round-duration': 'ten' },
      "'round-duration' must be 'auto' or a number of seconds from 0.5 to 3600, got 'ten'"
    ],
    [
      'rate above 1',
      { ...base, 'sampling-rates': '0.1,10' },
      "'sampling-rates' must be ratios in [0, 1] (0.01 = 1%), got '10' in '0.1,10'"
    ],
    ['rate as percent', { ...base, 'sampling-rates': '1%' }, "got '1%'"],
    ['duplicate rate', { ...base, 'sampling-rates': '1,1' }, "'sampling-rates' lists 1 twice"],
    [
      'negative budget',
      { ...base, 'max-qps-overhead': '-5' },
      "'max-qps-overhead' must be a percentage from 0 to 99 (or 'none' to report without gating), got '-5'"
    ],
    [
      'bad choice',
      { ...base, 'on-inconclusive': 'maybe' },
      "'on-inconclusive' must be one of warn, fail, pass, got 'maybe'"
    ],
    [
      'bad protocol',
      { ...base, 'otlp-protocol': 'grpc/json' },
      "'otlp-protocol' must be one of http/protobuf, http/json, grpc, got 'grpc/json'"
    ],
    [
      'remote target',
      { ...base, 'target-url': 'http://example.com/' },
      "'target-url' must be a loopback URL (host 127.0.0.1, localhost or [::1]), got 'http://example.com/'"
    ],
    ['https target', { ...base, 'target-url': 'https://127.0.0.1:{port}/' }, "'target-url' must be an http:// URL"],
    ['not a url', { ...base, 'ready-url': 'healthz' }, "'ready-url' must be an http:// URL such as"],
    [
      'bad env line',
      { ...base, env: 'A=1\nnot a pair' },
      "'env' line 2 must be KEY=VALUE with a valid variable name, got 'not a pair'"
    ],
    ['seed not integer', { ...base, seed: 'abc' }, "'seed' must be an integer from 0 to 4294967295, got 'abc'"],
    [
      'confidence out of range',
      { ...base, confidence: '0.95' },
      "'confidence' must be a percentage from 50 to 99.9, got '0.95'"
    ],
    ['port out of range', { ...base, port: '70000' }, "'port' must be an integer from 0 to 65535, got '70000'"],
    [
      'memory limit without a unit it knows',
      { ...base, 'memory-limit': '2 gigs' },
      "'memory-limit' must be a size such as '2GiB' or '512MiB' of at least 64 MiB, or 0 for no cap, got '2 gigs'"
    ],
    ['memory limit too small', { ...base, 'memory-limit': '10MiB' }, "'memory-limit' must be a size"],
    ['negative memory limit', { ...base, 'memory-limit': '-1G' }, "got '-1G'"],
    [
      'max processes not an integer',
      { ...base, 'max-processes': 'lots' },
      "'max-processes' must be an integer from 0 to 1000000, got 'lots'"
    ]
  ])('%s', (_name, raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError)
    expect(() => parseConfig(raw)).toThrow(message)
  })

  test.each<[string, number]>([
    ['2GiB', 2 * 1024 ** 3],
    ['2G', 2 * 1024 ** 3],
    ['512MiB', 512 * 1024 ** 2],
    ['1.5GB', 1.5e9],
    ['268435456', 268435456],
    ['0', 0]
  ])("'memory-limit' %s", (value, bytes) => {
    expect(parseConfig({ ...base, 'memory-limit': value }).memoryLimitBytes).toBe(bytes)
  })

  test('caps default to 2 GiB and 512 tasks', () => {
    const c = parseConfig(base)
    expect([c.memoryLimitBytes, c.maxProcesses]).toEqual([2 * 1024 ** 3, 512])
  })

  test('reports every bad input at once', () => {
    expect(() => parseConfig({ ...base, connections: '0', rounds: 'x' })).toThrow(
      /2 invalid inputs:\n- 'rounds'.*\n- 'connections'/s
    )
  })
})

describe('cross-input rules', () => {
  test('any rounds ≥ 3 can gate: the trimmed-mean rule has no permutation floor (the v1 sign-flip guard needed 2^n ≥ 2m/α)', () => {
    expect(parseConfig({ ...base, rounds: '3' }).rounds).toBe(3)
    expect(() => parseConfig({ ...base, rounds: '2' })).toThrow("'rounds' must be an integer from 3 to 1000, got '2'")
    expect(() => parseConfig({ ...base, 'base-tracing': 'true' })).toThrow("'base-tracing' needs 'base-start-command'")
  })
})

describe('extra-arms', () => {
  test('parses name: KEY=VALUE lines', () => {
    const c = parseConfig({
      ...base,
      'extra-arms': 'adaptive: OTEL_TRACES_SAMPLER_ARG=0.05 MY_SAMPLER=on\n# note\nplain:',
      rounds: '9'
    })
    expect(c.extraArms).toEqual([
      { name: 'adaptive', env: { OTEL_TRACES_SAMPLER_ARG: '0.05', MY_SAMPLER: 'on' } },
      { name: 'plain', env: {} }
    ])
  })
  test.each<[string, string]>([
    ['no colon here', "'extra-arms' line 1 must be 'name: KEY=VALUE …'"],
    ['off: A=1', "the arm name 'off' is reserved or used twice"],
    ['a: A=1\na: B=2', "the arm name 'a' is reserved or used twice"],
    ['a: notapair', "must list KEY=VALUE pairs after the name, got 'notapair'"]
  ])('%s', (text, message) => {
    expect(() => parseConfig({ ...base, 'extra-arms': text, rounds: '10' })).toThrow(message)
  })
  test('extra arms count in the gated family', () => {
    // 2 rates + 1 extra arm, QPS and P99 gated: 6 comparisons.
    expect(gatedComparisonCount(parseConfig({ ...base, 'extra-arms': 'x: A=1' }))).toBe(6)
  })
})
