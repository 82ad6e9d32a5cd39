import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseConfig, ConfigError } from '../../../src/config/config.js'
import {
  checkCollectorTemplate,
  loadCollectorTemplate,
  renderCollectorConfig,
  sumMetric,
  telemetryOverlay,
  assertCollectorCounts,
  withoutComments
} from '../../../src/measure/collector.js'
import { GateError } from '../../../src/errors.js'
import type { CollectorUsage } from '../../../src/types.js'

const repoRoot = path.resolve(import.meta.dirname, '../../..')

describe('collector inputs', () => {
  const base = { 'start-command': 'node server.mjs' }
  test('absent by default', () => {
    expect(parseConfig(base).collector).toBeNull()
  })
  test('command, config and drain', () => {
    const c = parseConfig({
      ...base,
      'collector-command': './otelcol',
      'collector-config': 'c.yaml',
      'collector-drain': '3'
    })
    expect(c.collector).toEqual({ command: './otelcol', configPath: 'c.yaml', drainSec: 3, spanStore: null })
  })
  test.each([
    [
      { 'collector-command': './otelcol' },
      'collector-config',
      /'collector-config' is required with 'collector-command'/
    ],
    [{ 'collector-config': 'c.yaml' }, 'collector-config', /needs 'collector-command'.*got 'c.yaml'/],
    [
      { 'collector-command': './otelcol', 'collector-config': 'c.yaml', 'collector-drain': '-1' },
      'collector-drain',
      /'collector-drain'.*got '-1'/
    ]
  ])('%j is refused naming %s', (extra, input, message) => {
    let err: unknown
    try {
      parseConfig({ ...base, ...extra })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).input).toBe(input)
    expect((err as ConfigError).message).toMatch(message)
  })
})

describe('collector config template', () => {
  test('the fixture configs have both placeholders', () => {
    for (const f of ['tail-sampling.yaml', 'no-sampling.yaml'])
      expect(() =>
        loadCollectorTemplate({ command: 'x', configPath: `fixtures/collector/${f}`, drainSec: 5 }, repoRoot)
      ).not.toThrow()
    expect(() =>
      loadCollectorTemplate(
        {
          command: 'x',
          configPath: 'fixtures/collector/tail-sampling-jaeger.yaml',
          drainSec: 5,
          spanStore: { kind: 'jaeger', command: 'jaeger' }
        },
        repoRoot
      )
    ).not.toThrow()
  })
  test('a config that does not route to {receiver} is refused, naming the input and the file', () => {
    expect(() =>
      checkCollectorTemplate('receivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:{port}}}}}', 'c.yaml')
    ).toThrow(/'collector-config' \('c.yaml'\) must contain \{receiver\}.*it has no '\{receiver\}'/)
  })
  test('a placeholder named only in a comment does not count', () => {
    expect(() =>
      checkCollectorTemplate(
        "# {receiver} is the gate's receiver\nreceivers: {otlp: {protocols: {http: {endpoint: 127.0.0.1:{port}}}}} # and {receiver}\nexporters: {otlp_http: {endpoint: 'http://x:1'}}",
        'c.yaml'
      )
    ).toThrow(/it has no '\{receiver\}'/)
  })
  test("a '#' inside quotes is not a comment", () => {
    expect(withoutComments('a: \'x #{receiver}\' # {port}\n  # {port}\nb: "#" {port}')).toBe(
      'a: \'x #{receiver}\' \n  \nb: "#" {port}'
    )
  })
  test('a config without {port} is refused', () => {
    expect(() => checkCollectorTemplate("exporters: {otlp_http: {endpoint: '{receiver}'}}", 'c.yaml')).toThrow(
      /must contain \{port\}.*it has no '\{port\}'/
    )
  })
  test('an unreadable config names the input and the path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coll-'))
    expect(() => loadCollectorTemplate({ command: 'x', configPath: 'missing.yaml', drainSec: 5 }, dir)).toThrow(
      /'collector-config' must be a readable YAML file.*got 'missing.yaml'.*ENOENT/
    )
  })
  test('render fills every placeholder', () => {
    const out = renderCollectorConfig("a: 127.0.0.1:{port}\nb: '{receiver}'\nc: {port}", {
      port: 4318,
      receiver: 'http://127.0.0.1:9'
    })
    expect(out).toBe("a: 127.0.0.1:4318\nb: 'http://127.0.0.1:9'\nc: 4318")
  })
  test('the telemetry overlay names a loopback Prometheus reader on the port', () => {
    const y = telemetryOverlay(8899)
    expect(y).toMatch(/prometheus:\n\s+host: 127\.0\.0\.1\n\s+port: 8899/)
  })
})

describe('sumMetric', () => {
  const text = [
    '# HELP otelcol_receiver_accepted_spans Number of spans successfully pushed into the pipeline.',
    '# TYPE otelcol_receiver_accepted_spans counter',
    'otelcol_receiver_accepted_spans{receiver="otlp",transport="http"} 120',
    'otelcol_receiver_accepted_spans{receiver="otlp",transport="grpc"} 3',
    'otelcol_receiver_accepted_spans_other 99',
    'otelcol_exporter_sent_spans_total{exporter="otlp_http"} 1.5e+01'
  ].join('\n')
  test('sums every label set of the metric and only that metric', () => {
    expect(sumMetric(text, 'otelcol_receiver_accepted_spans')).toBe(123)
  })
  test('reads the _total name too', () => {
    expect(sumMetric(text, 'otelcol_exporter_sent_spans')).toBe(15)
  })
  test('null when absent', () => {
    expect(sumMetric(text, 'otelcol_receiver_refused_spans')).toBeNull()
  })
})

describe('assertCollectorCounts', () => {
  const usage = (spansIn: number, spansOut: number): CollectorUsage => ({
    spansIn,
    spansOut,
    bytesOut: 0,
    exportRequests: 0,
    keepRatio: spansIn > 0 ? spansOut / spansIn : null,
    lifeSec: 1,
    drainSec: 1,
    drainCapped: false
  })
  test('nothing in', () => {
    expect(() => assertCollectorCounts('round 1', usage(0, 0), 'c.log', 'tail')).toThrow(/accepted no span/)
  })
  test('nothing out', () => {
    let err: unknown
    try {
      assertCollectorCounts('round 1', usage(500, 0), 'c.log', 'tail')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(GateError)
    expect((err as GateError).kind).toBe('collector')
    expect((err as GateError).message).toMatch(/accepted 500 spans but the gate's receiver got none/)
  })
  test('a low keep ratio passes', () => {
    expect(() => assertCollectorCounts('round 1', usage(500, 5), 'c.log', 'tail')).not.toThrow()
  })
})
