/**
 * The JSON Schema of the optional config file (`--config` of the CLI, `config-file` of the action), generated
 * from the input table so the two cannot drift: one property per input, its description from inputs.ts and a
 * value shape from FILE_VALUES below. Committed as schema/perf-gate.schema.json for editors (a test compares
 * it), and compiled with ajv to check a file before its values are turned into input strings.
 *
 * The schema checks shapes and choices (what an editor can complete and underline); ranges and the rules
 * between inputs stay in parseConfig, the one reader of every input however it was given.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { INPUT_SPECS, Inputs, type InputName } from './inputs.js'

/** Inputs a config file cannot hold: the file itself (no includes). */
export const NOT_IN_FILE: readonly InputName[] = [Inputs.ConfigFile]

/** Where the committed schema lives, relative to the repository root. */
export const SCHEMA_PATH = 'schema/perf-gate.schema.json'

/** A schema node with `expected`, the phrase an error quotes ("must be an integer"). */
type Node = Record<string, unknown> & { expected: string }
type Branch = Record<string, unknown>

const quoteWords = (words: readonly string[]): string => words.map((w) => `'${w}'`).join(', ')
/** The value of one input: any of `branches`, or null (null means unset: the default applies). */
const anyOf = (expected: string, ...branches: Branch[]): Node => ({
  anyOf: [...branches, { type: 'null' }],
  expected
})
const words = (...w: string[]): Branch => ({ enum: w })
const scalar: Branch = { type: ['string', 'number', 'boolean', 'null'] }
/** KEY: value entries, as env and grpc-metadata take them. */
const pairsMap: Branch = {
  type: 'object',
  additionalProperties: { ...scalar, expected: 'a string, number or boolean' }
}

const text = (expected = 'a string'): Node => anyOf(expected, { type: 'string' })
const integer = (...special: string[]): Node =>
  anyOf(
    special.length ? `an integer or ${quoteWords(special)}` : 'an integer',
    { type: 'integer' },
    ...(special.length ? [words(...special)] : [])
  )
const number = (...special: string[]): Node =>
  anyOf(
    special.length ? `a number or ${quoteWords(special)}` : 'a number',
    { type: 'number' },
    ...(special.length ? [words(...special)] : [])
  )
const choice = (...values: string[]): Node => anyOf(`one of ${quoteWords(values)}`, words(...values))
const bool: Node = anyOf('true or false', { type: 'boolean' })
/** A percentage budget; `none` reports without gating. */
const budget = number('none')
/** env, grpc-metadata: a KEY: value mapping, a list of KEY=VALUE lines, or the lines as one string. */
const lines = (what: string): Node =>
  anyOf(
    `a mapping of ${what}, a list of KEY=VALUE lines or a string of such lines`,
    pairsMap,
    // YAML reads `- A: 1` as a one-entry mapping: taken as the line it looks like.
    { type: 'array', items: { anyOf: [{ type: 'string' }, pairsMap], expected: 'a KEY=VALUE string' } },
    { type: 'string' }
  )
/** A comma-separated input: a list, one item, or the comma-separated string. */
const listOf = (item: 'number' | 'integer', expected: string): Node =>
  anyOf(
    expected,
    { type: item },
    { type: 'array', minItems: 1, items: { type: item, expected: `a ${item}` } },
    { type: 'string' }
  )

/**
 * The shape of each input's value in a file. A Record over every input name, so a new input does not
 * compile until it has a shape here.
 */
const FILE_VALUES: Record<Exclude<InputName, typeof Inputs.ConfigFile>, Node> = {
  [Inputs.StartCommand]: text('a shell command'),
  [Inputs.WorkingDirectory]: text('a path'),
  [Inputs.Port]: integer(),
  [Inputs.TargetUrl]: text('a URL'),
  [Inputs.ReadyUrl]: text('a URL'),
  [Inputs.GrpcMethod]: text('a method name such as package.Service/Method'),
  [Inputs.GrpcProto]: text('a path'),
  [Inputs.GrpcRequest]: anyOf(
    'a mapping (the request message) or its JSON text',
    { type: 'object' },
    { type: 'string' }
  ),
  [Inputs.GrpcMetadata]: lines('key: value'),
  [Inputs.ReadyTimeout]: number(),
  [Inputs.StopTimeout]: number(),
  [Inputs.MemoryLimit]: anyOf("a size such as '2GiB' or '512MiB', or 0", { type: 'integer' }, { type: 'string' }),
  [Inputs.MaxProcesses]: integer(),
  [Inputs.Env]: lines('KEY: value'),
  [Inputs.PassEnv]: anyOf(
    'a list of variable names or a comma-separated string of them',
    { type: 'array', items: { type: 'string', expected: 'a variable name' } },
    { type: 'string' }
  ),
  [Inputs.ServiceName]: text(),
  [Inputs.SamplingRates]: listOf(
    'number',
    "a ratio, a list of ratios such as [0.01, 1], a comma-separated string of them, or 'none'"
  ),
  [Inputs.Rounds]: integer(),
  [Inputs.RoundDuration]: number('auto'),
  [Inputs.WarmupDuration]: number('auto'),
  [Inputs.WarmupCap]: number('auto'),
  [Inputs.WarmupMin]: number('auto'),
  [Inputs.Connections]: listOf(
    'integer',
    'an integer, a list of integers such as [10, 50, 200] or a comma-separated string of them'
  ),
  [Inputs.OpenLoopRate]: number('auto', 'none'),
  [Inputs.MaxP99OpenOverhead]: budget,
  [Inputs.Spike]: anyOf("connections N or 'N/seconds' such as '200/30'", { type: 'integer' }, { type: 'string' }),
  [Inputs.RequestTimeout]: number(),
  [Inputs.MaxErrorRate]: number(),
  [Inputs.MaxQpsOverhead]: budget,
  [Inputs.MaxP99Overhead]: budget,
  [Inputs.MaxCpuOverhead]: budget,
  [Inputs.Confidence]: number(),
  [Inputs.OnInconclusive]: choice('warn', 'fail', 'pass'),
  [Inputs.Seed]: integer(),
  [Inputs.OtlpProtocol]: choice('http/protobuf', 'http/json', 'grpc'),
  [Inputs.CpuPinning]: choice('auto', 'on', 'off'),
  [Inputs.OutputDir]: text('a path'),
  [Inputs.BaseStartCommand]: text('a shell command'),
  [Inputs.BaseWorkingDirectory]: text('a path'),
  [Inputs.BaseTracing]: bool,
  [Inputs.MaxQpsRegression]: budget,
  [Inputs.MaxP99Regression]: budget,
  [Inputs.MaxOverheadIncrease]: budget,
  [Inputs.BaselinePath]: text('a path'),
  [Inputs.Mode]: choice('gate', 'report', 'record', 'measure', 'merge'),
  [Inputs.Comment]: choice('always', 'on-failure', 'never'),
  [Inputs.CommentId]: text(),
  [Inputs.GithubToken]: text(),
  [Inputs.ResultsFile]: text('a path'),
  [Inputs.Results]: text('paths or globs, one per line'),
  [Inputs.ExtraArms]: anyOf(
    "a mapping of arm name to KEY: value pairs (or 'KEY=VALUE …'), or a list of 'name: KEY=VALUE …' lines",
    {
      type: 'object',
      additionalProperties: {
        anyOf: [
          { type: 'object', additionalProperties: { ...scalar, expected: 'a string, number or boolean' } },
          { type: 'array', items: { type: ['string', 'number', 'boolean'], expected: 'a KEY=VALUE string' } },
          scalar
        ],
        expected: 'a mapping of KEY: value, a list of KEY=VALUE strings or one string of them'
      }
    },
    {
      type: 'array',
      items: { anyOf: [{ type: 'string' }, pairsMap], expected: "a 'name: KEY=VALUE …' line" }
    },
    { type: 'string' }
  ),
  [Inputs.RoundDesign]: choice('alternating', 'side-by-side', 'sequential'),
  [Inputs.ProcessesPerArm]: integer(),
  [Inputs.BlocksPerBoot]: integer('auto'),
  [Inputs.ProcessOffset]: number('auto'),
  [Inputs.UninstrumentedCommand]: text('a shell command'),
  [Inputs.ExportStep]: bool,
  [Inputs.HistorySize]: integer(),
  [Inputs.MaxRounds]: integer('auto'),
  [Inputs.TimeBudget]: number(),
  [Inputs.HistoryPath]: text('a path'),
  [Inputs.HistoryBranch]: text('a branch name'),
  [Inputs.HistoryBranchPath]: text('a path on the branch'),
  [Inputs.ChangePointAlpha]: number(),
  [Inputs.ChangePointMinEffect]: number(),
  [Inputs.CollectorCommand]: text('a shell command'),
  [Inputs.CollectorConfig]: text('a path'),
  [Inputs.CollectorDrain]: number(),
  [Inputs.SpanStore]: choice('receiver', 'jaeger'),
  [Inputs.SpanStoreCommand]: text('a shell command')
}

/** The default of an input as a file would write it: numbers and booleans typed, unset defaults left out. */
function typedDefault(name: InputName, text: string): unknown {
  if (text === '' || text.startsWith('${{')) return undefined
  const types = (FILE_VALUES[name as keyof typeof FILE_VALUES].anyOf as Branch[]).flatMap((b) => [b.type].flat())
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true'
  if ((types.includes('number') || types.includes('integer')) && /^\d+(\.\d+)?$/.test(text)) return Number(text)
  return text
}

/** The config file's JSON Schema (draft-07, what the YAML language server reads best). */
export function configFileSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  for (const spec of INPUT_SPECS) {
    const name = spec.name as InputName
    if (NOT_IN_FILE.includes(name)) continue
    const node = FILE_VALUES[name as keyof typeof FILE_VALUES]
    const def = typedDefault(name, spec.default)
    properties[name] = { description: spec.description, ...(def === undefined ? {} : { default: def }), ...node }
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://otlp-perf-gate/schema/perf-gate.schema.json',
    title: 'otlp-perf-gate config file',
    description:
      "Inputs of the OTLP perf gate (the action's `config-file`, the CLI's `--config`): keys are the action's input " +
      'names. Generated from src/config/inputs.ts; `expected` is what an error message says a value must be.',
    type: 'object',
    additionalProperties: false,
    properties
  }
}

/** The committed file's text: the schema as 2-space JSON with a final newline. */
export function renderConfigFileSchema(): string {
  return `${JSON.stringify(configFileSchema(), null, 2)}\n`
}

let compiled: ValidateFunction | null = null

function validator(): ValidateFunction {
  if (compiled !== null) return compiled
  // allErrors: a file gets every bad key reported at once, as parseConfig reports every bad input.
  // verbose: errors carry their schema node, whose `expected` the message quotes.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true })
  ajv.addKeyword({ keyword: 'expected', schemaType: 'string' })
  compiled = ajv.compile(configFileSchema())
  return compiled
}

/** One problem of a config file: the key it is about, and the message without the file's name. */
export interface FileProblem {
  key: string
  message: string
}

/** A value for an error message: scalars as written, short structures as JSON, long ones by size. */
export function shownValue(value: unknown): string {
  if (typeof value === 'string')
    return value.length > 60 ? `'${value.slice(0, 40)}…' (${value.length} characters)` : `'${value}'`
  if (value === null || typeof value !== 'object') return `'${String(value)}'`
  const json = JSON.stringify(value)
  return json.length > 80 ? `${Array.isArray(value) ? 'a list' : 'a mapping'} of ${json.length} characters` : json
}

function tokens(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let v = root
  for (const t of path) v = (v as Record<string, unknown>)[t]
  return v
}

/** `'env'`, `'env' entry 'A'`, `'sampling-rates' item 2`: where in the file a nested value is. */
function place(path: readonly string[]): string {
  const [key, ...rest] = path
  return rest.reduce((s, t) => (/^\d+$/.test(t) ? `${s} item ${Number(t) + 1}` : `${s} entry '${t}'`), `'${key}'`)
}

/**
 * The most useful error per key: the deepest one that says what it expected (a bad entry inside a
 * mapping is clearer than "must be a mapping, a list or a string"), among equals the last (a failed
 * anyOf comes after its branches, and its `expected` covers them).
 */
function problemFor(errors: ErrorObject[], doc: unknown): FileProblem {
  let best: ErrorObject | undefined
  for (const e of errors) {
    if (typeof (e.parentSchema as { expected?: unknown } | undefined)?.expected !== 'string') continue
    if (best === undefined || tokens(e.instancePath).length >= tokens(best.instancePath).length) best = e
  }
  const err = best ?? errors[errors.length - 1]!
  const path = tokens(err.instancePath)
  const expected = (err.parentSchema as { expected?: string } | undefined)?.expected ?? 'valid'
  return { key: path[0]!, message: `${place(path)} must be ${expected}, got ${shownValue(valueAt(doc, path))}` }
}

/**
 * Check a parsed config document against the schema: [] when it is valid, else one problem per bad
 * key in the file's order. Unknown keys are reported with `unknownKey` (the caller adds its hint).
 */
export function checkConfigDocument(doc: Record<string, unknown>): (FileProblem & { unknownKey?: true })[] {
  const validate = validator()
  if (validate(doc)) return []
  const byKey = new Map<string, ErrorObject[]>()
  const unknown = new Set<string>()
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'additionalProperties' && e.instancePath === '') {
      unknown.add((e.params as { additionalProperty: string }).additionalProperty)
      continue
    }
    const key = tokens(e.instancePath)[0]
    if (key === undefined) continue
    byKey.set(key, [...(byKey.get(key) ?? []), e])
  }
  const problems: (FileProblem & { unknownKey?: true })[] = []
  for (const key of Object.keys(doc)) {
    if (unknown.has(key)) problems.push({ key, message: `unknown key '${key}'`, unknownKey: true })
    const errors = byKey.get(key)
    if (errors !== undefined) problems.push(problemFor(errors, doc))
  }
  return problems
}
