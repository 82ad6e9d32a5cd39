import * as fs from 'node:fs'
import { Ajv } from 'ajv'
import YAML from 'yaml'
import {
  checkConfigDocument,
  configFileSchema,
  NOT_IN_FILE,
  renderConfigFileSchema,
  SCHEMA_PATH
} from '../../../src/config/file-schema.js'
import { INPUT_SPECS } from '../../../src/config/inputs.js'

// schema/perf-gate.schema.json is generated from src/config/inputs.ts; a drift fails here.
// Regenerate with: UPDATE_DOCS=1 NODE_OPTIONS=--experimental-vm-modules npx jest __tests__/unit/config
const update = process.env.UPDATE_DOCS === '1'

test('the committed schema matches the input table', () => {
  const expected = renderConfigFileSchema()
  if (update) fs.writeFileSync(SCHEMA_PATH, expected)
  expect(fs.readFileSync(SCHEMA_PATH, 'utf8')).toBe(expected)
})

test('every input but config-file is a key of the file, with its description', () => {
  const props = configFileSchema().properties as Record<string, { description: string }>
  expect(Object.keys(props).sort()).toEqual(
    INPUT_SPECS.map((s) => s.name)
      .filter((n) => !(NOT_IN_FILE as readonly string[]).includes(n))
      .sort()
  )
  for (const spec of INPUT_SPECS.filter((s) => s.name in props))
    expect(props[spec.name]?.description).toBe(spec.description)
})

test('a validator other than ours accepts the schema and every default it states', () => {
  // Plain ajv without our `expected` keyword registered, as an editor's validator would see it.
  const ajv = new Ajv({ strict: false, allowUnionTypes: true })
  const validate = ajv.compile(configFileSchema())
  const props = configFileSchema().properties as Record<string, { default?: unknown }>
  const defaults = Object.fromEntries(
    Object.entries(props)
      .filter(([, p]) => p.default !== undefined)
      .map(([k, p]) => [k, p.default])
  )
  expect(Object.keys(defaults).length).toBeGreaterThan(30)
  expect(validate(defaults)).toBe(true)
  // Typed defaults: an editor completes `rounds: 8`, not `rounds: '8'`.
  expect(defaults).toMatchObject({ rounds: 8, 'export-step': false, 'round-duration': 'auto', 'memory-limit': '2GiB' })
})

test('the example config file (examples/config/) converts and parses', async () => {
  const { loadConfigFile } = await import('../../../src/config/config-file.js')
  const { parseConfig } = await import('../../../src/config/config.js')
  const raw = loadConfigFile('examples/config/perf-gate.yaml')
  expect(raw['extra-arms']).toContain('batch-512:')
  expect(() => parseConfig({ ...raw, 'start-command': 'node s.js' })).not.toThrow()
})

test('the example config of docs/cli.md is valid', () => {
  const md = fs.readFileSync('docs/cli.md', 'utf8')
  const block = /```yaml\n# yaml-language-server: \$schema=[^\n]+\n([\s\S]*?)```/.exec(md)
  expect(block).not.toBeNull()
  expect(checkConfigDocument(YAML.parse(block![1]!) as Record<string, unknown>)).toEqual([])
})

describe('problems name the key, quote the value and say what was expected', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      'a choice',
      { 'round-design': 'duet' },
      ["'round-design' must be one of 'alternating', 'side-by-side', 'sequential', got 'duet'"]
    ],
    ['an integer', { rounds: 2.5 }, ["'rounds' must be an integer, got '2.5'"]],
    ['a number or a word', { 'max-qps-overhead': 'ten' }, ["'max-qps-overhead' must be a number or 'none', got 'ten'"]],
    ['a boolean', { 'base-tracing': 'yes' }, ["'base-tracing' must be true or false, got 'yes'"]],
    ['a mapping for a scalar', { rounds: { a: 1 } }, ['\'rounds\' must be an integer, got {"a":1}']],
    ['a list item', { 'sampling-rates': [0.01, 'x'] }, ["'sampling-rates' item 2 must be a number, got 'x'"]],
    [
      'an env value that is a mapping',
      { env: { A: { b: 1 } } },
      ["'env' entry 'A' must be a string, number or boolean, got {\"b\":1}"]
    ],
    [
      'every bad key at once, in the file order',
      { rounds: 'many', connections: 50, cpu: 1, mode: 'verify' },
      [
        "'rounds' must be an integer, got 'many'",
        "unknown key 'cpu'",
        "'mode' must be one of 'gate', 'report', 'record', 'measure', 'merge', got 'verify'"
      ]
    ]
  ]
  test.each(cases)('%s', (_name, doc, messages) => {
    expect(checkConfigDocument(doc).map((p) => p.message)).toEqual(messages)
  })

  test('null is unset for every key', () => {
    const props = configFileSchema().properties as Record<string, unknown>
    expect(checkConfigDocument(Object.fromEntries(Object.keys(props).map((k) => [k, null])))).toEqual([])
  })
})
