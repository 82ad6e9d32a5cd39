import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseConfig, ConfigError } from '../../../src/config/config.js'
import { checkStorePlaceholder, loadCollectorTemplate, renderCollectorConfig } from '../../../src/measure/collector.js'
import { diskUsageBytes, jaegerConfig } from '../../../src/measure/span-store.js'

const repoRoot = path.resolve(import.meta.dirname, '../../..')
const collector = { 'start-command': 'node server.mjs', 'collector-command': './otelcol', 'collector-config': 'c.yaml' }

function configError(inputs: Record<string, string>): ConfigError {
  try {
    parseConfig(inputs)
  } catch (e) {
    if (e instanceof ConfigError) return e
    throw e
  }
  throw new Error('expected a ConfigError')
}

describe('span-store inputs', () => {
  test('receiver by default: no store', () => {
    expect(parseConfig(collector).collector?.spanStore).toBeNull()
  })
  test('jaeger with its command', () => {
    const c = parseConfig({ ...collector, 'span-store': 'jaeger', 'span-store-command': './jaeger' })
    expect(c.collector?.spanStore).toEqual({ kind: 'jaeger', command: './jaeger' })
  })
  test.each([
    [
      { ...collector, 'span-store': 'tempo' },
      'span-store',
      /'span-store' must be one of receiver, jaeger, got 'tempo'/
    ],
    [
      { ...collector, 'span-store': 'jaeger' },
      'span-store-command',
      /'span-store-command' is required with 'span-store: jaeger'.*got ''/
    ],
    [
      { ...collector, 'span-store-command': './jaeger' },
      'span-store-command',
      /'span-store-command' needs 'span-store: jaeger'.*got '.\/jaeger'/
    ],
    [
      { 'start-command': 'x', 'span-store': 'jaeger', 'span-store-command': './jaeger' },
      'span-store',
      /'span-store' 'jaeger' needs 'collector-command'/
    ],
    [
      { 'start-command': 'x', 'span-store-command': './jaeger' },
      'span-store-command',
      /'span-store-command' needs 'collector-command'.*got '.\/jaeger'/
    ]
  ])('%j is refused naming %s', (inputs, input, message) => {
    const err = configError(inputs)
    expect(err.input).toBe(input)
    expect(err.message).toMatch(message)
  })
})

describe('{store} in the collector config', () => {
  const routed = "exporters: {otlp_http: {endpoint: '{receiver}'}}\nreceivers: {otlp: {endpoint: 127.0.0.1:{port}}}"
  test('span-store: jaeger needs an exporter to {store}', () => {
    expect(() => checkStorePlaceholder(routed, 'c.yaml', true)).toThrow(
      /'collector-config' \('c.yaml'\) must contain \{store\} with 'span-store: jaeger'.*it has none/
    )
    expect(() => checkStorePlaceholder(`${routed} # {store}`, 'c.yaml', true)).toThrow(/must contain \{store\}/)
    expect(() => checkStorePlaceholder(`${routed}\nb: '{store}'`, 'c.yaml', true)).not.toThrow()
  })
  test('a {store} without a store is refused (it would reach the collector unfilled)', () => {
    expect(() => checkStorePlaceholder(`${routed}\nb: '{store}'`, 'c.yaml', false)).toThrow(
      /contains \{store\}, which only 'span-store: jaeger' fills in; got 'span-store: receiver'/
    )
    expect(() =>
      loadCollectorTemplate(
        { command: 'x', configPath: 'fixtures/collector/tail-sampling-jaeger.yaml', drainSec: 5 },
        repoRoot
      )
    ).toThrow(/contains \{store\}/)
  })
  test('render fills {store} only when given', () => {
    const text = "a: '{receiver}'\nb: '{store}'\nc: {port}"
    expect(renderCollectorConfig(text, { port: 1, receiver: 'http://r', store: 'http://s' })).toBe(
      "a: 'http://r'\nb: 'http://s'\nc: 1"
    )
    expect(renderCollectorConfig(text, { port: 1, receiver: 'http://r' })).toMatch(/b: '\{store\}'/)
  })
})

describe('Jaeger config and disk usage', () => {
  test('OTLP/HTTP and health on the given loopback ports, Badger in the data dir, no fixed ports', () => {
    const y = jaegerConfig({ otlpPort: 41002, healthPort: 41001, dataDir: '/tmp/d x' })
    expect(y).toMatch(/otlp:\n\s+protocols:\n\s+http:\n\s+endpoint: 127\.0\.0\.1:41002/)
    expect(y).toMatch(/healthcheckv2:\n\s+use_v2: true\n\s+http:\n\s+endpoint: 127\.0\.0\.1:41001/)
    expect(y).toMatch(/keys: "\/tmp\/d x\/keys"\n\s+values: "\/tmp\/d x\/values"/)
    expect(y).toMatch(/trace_storage: gate_store/)
    // Jaeger's query UI (16686) and default metrics reader (8888) would collide between processes.
    expect(y).not.toMatch(/jaeger_query|8888|16686/)
    expect(y).toMatch(/metrics:\n\s+level: none/)
  })
  test('disk usage counts allocated blocks, not the apparent size of sparse files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-du-'))
    try {
      fs.mkdirSync(path.join(dir, 'keys'))
      const sparse = path.join(dir, 'keys', 'sparse.vlog')
      fs.writeFileSync(sparse, '')
      fs.truncateSync(sparse, 64 * 2 ** 20)
      const empty = diskUsageBytes(dir)
      expect(empty).toBeLessThan(2 ** 20)
      fs.writeFileSync(path.join(dir, 'data.sst'), Buffer.alloc(256 * 1024, 7))
      expect(diskUsageBytes(dir) - empty).toBeGreaterThanOrEqual(256 * 1024)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
