import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { isHistoryJson, usableAsBaseline } from './history.js'
import * as fs from 'node:fs'
import { RESULTS_VERSION, type ResultsFile } from './results.js'
import { MAX_DEPTH, MAX_STRING, SCHEMA } from './schema.js'

/** Largest results file read (a real one is well under a megabyte). */
const MAX_RESULTS_BYTES = 64 * 1024 * 1024

/** Why a results path cannot be read; the message never quotes the file's content. */
export class UnreadableFileError extends Error {
  constructor(
    readonly code: 'missing' | 'not-a-file' | 'symlink' | 'too-large' | 'unreadable' | 'not-json',
    message: string
  ) {
    super(message)
    this.name = 'UnreadableFileError'
  }
}

/**
 * Read and parse a results JSON from `file`, refusing a symlink (a path can be made to point at a
 * system file such as /etc/passwd), anything but a regular file, and huge files. JSON errors are
 * reported by position only: Node's message quotes the text, which must never reach a report.
 */
export function readJsonFile(file: string): unknown {
  let st: fs.Stats
  try {
    st = fs.lstatSync(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new UnreadableFileError(
      code === 'ENOENT' ? 'missing' : 'unreadable',
      code === 'ENOENT' ? `no file at '${file}'` : `cannot read '${file}': ${code ?? 'unknown error'}`
    )
  }
  if (st.isSymbolicLink())
    throw new UnreadableFileError(
      'symlink',
      `'${file}' is a symbolic link; give the results file itself, not a link to it`
    )
  if (!st.isFile()) throw new UnreadableFileError('not-a-file', `'${file}' is not a regular file`)
  if (st.size > MAX_RESULTS_BYTES)
    throw new UnreadableFileError(
      'too-large',
      `'${file}' has ${st.size} bytes, more than a results file can have (${MAX_RESULTS_BYTES})`
    )
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new UnreadableFileError(
      'unreadable',
      `cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? 'unknown error'}`
    )
  }
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message)?.[1]
    throw new UnreadableFileError(
      'not-json',
      `'${file}' is not valid JSON${at !== undefined ? ` (syntax error at character ${at})` : ''}`
    )
  }
}

/**
 * `mode: report`: read a results file and validate every field the report renders (an artifact from
 * PR code is not trusted). Throws UnreadableFileError or ResultsValidationError.
 */
export function readResultsFile(file: string): ResultsFile {
  return checked(validators().results, readJsonFile(file)) as ResultsFile
}

/** Outcome of loading a stored baseline; never throws, so a bad file can't crash the gate. */
export type BaselineLoad =
  | { status: 'ok'; path: string; history: ResultsFile[] }
  | { status: 'missing' | 'malformed' | 'future-version' | 'unusable'; path: string; message: string }

/**
 * A file that does not have the shape this version reads. `field` names the place the way the code
 * does (`rounds[0].load.qps`), `pointer` as a JSON pointer (`/rounds/0/load/qps`); the message says
 * what was expected and quotes at most a short value.
 */
export class ResultsValidationError extends Error {
  readonly pointer: string
  constructor(
    readonly field: string,
    message: string,
    pointer?: string
  ) {
    super(message)
    this.name = 'ResultsValidationError'
    this.pointer = pointer ?? ''
  }
}

interface Validators {
  core: ValidateFunction
  results: ValidateFunction
  history: ValidateFunction
}
let compiled: Validators | null = null

/** The schema compiled once, on first use (a few milliseconds; the action may never read a file). */
function validators(): Validators {
  if (compiled !== null) return compiled
  // verbose: errors carry their schema node, whose `expected` phrase the message quotes.
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true })
  ajv.addKeyword({ keyword: 'expected', schemaType: 'string' })
  ajv.addSchema(SCHEMA)
  const get = (name: string): ValidateFunction => ajv.getSchema(`${SCHEMA.$id}#/$defs/${name}`)!
  compiled = { core: get('core'), results: get('results'), history: get('history') }
  return compiled
}

/** `/rounds/0/load/qps` → `rounds[0].load.qps` (the root is `(root)`). */
export function fieldOf(pointer: string): string {
  if (pointer === '') return '(root)'
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((f, t) => (/^\d+$/.test(t) ? `${f}[${t}]` : f === '' ? t : `${f}.${t}`), '')
}

/** A value for an error message: short values as JSON, long strings by length only (never a file's text). */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (typeof value === 'string' && value.length > 40) return `a string of ${value.length} characters`
  if (Array.isArray(value) && value.length > 10) return `an array of ${value.length} items`
  const json = JSON.stringify(value) ?? String(value)
  return json.length > 80 ? `${json.slice(0, 60)}… (${json.length} characters)` : json
}

function valueAt(root: unknown, pointer: string): unknown {
  let v: unknown = root
  for (const t of pointer === '' ? [] : pointer.slice(1).split('/')) {
    if (v === null || typeof v !== 'object') return undefined
    const key = t.replace(/~1/g, '/').replace(/~0/g, '~')
    v = Object.prototype.hasOwnProperty.call(v, key) ? (v as Record<string, unknown>)[key] : undefined
  }
  return v
}

/** The first schema error of `json` as a ResultsValidationError (ajv stops at the first). */
function toError(err: ErrorObject, json: unknown): ResultsValidationError {
  const node = (err.parentSchema ?? {}) as { expected?: string; properties?: Record<string, { expected?: string }> }
  let pointer = err.instancePath
  let expected = node.expected ?? 'valid'
  if (err.keyword === 'required') {
    const missing = (err.params as { missingProperty: string }).missingProperty
    pointer = `${pointer}/${missing.replace(/~/g, '~0').replace(/\//g, '~1')}`
    expected = node.properties?.[missing]?.expected ?? 'present'
  }
  const field = fieldOf(pointer)
  if (err.keyword === 'propertyNames') {
    const name = (err.params as { propertyName: string }).propertyName
    return new ResultsValidationError(
      `${field} key`,
      `'${field}' has a key of ${name.length} characters, more than ${MAX_STRING} (JSON pointer ${pointer || '/'})`,
      pointer
    )
  }
  if (err.keyword === 'maximum' && field === 'version') {
    return new ResultsValidationError(
      'version',
      `results version ${shown(valueAt(json, pointer))} is newer than this gate understands (${RESULTS_VERSION}); ` +
        `update the action on this branch`,
      pointer
    )
  }
  return new ResultsValidationError(
    field,
    `'${field}' must be ${expected}, got ${shown(valueAt(json, pointer))} (JSON pointer ${pointer || '/'})`,
    pointer
  )
}

/** `json` if `validate` accepts it (after the depth check), else the first error. */
function checked(validate: ValidateFunction, json: unknown): unknown {
  checkDepth(json)
  if (validate(json)) return json
  const errors = validate.errors ?? []
  // The last error of a failed anyOf is the anyOf node itself, whose `expected` covers its branches.
  throw toError(errors[errors.length - 1]!, json)
}

/**
 * Refuse nesting deeper than MAX_DEPTH before the schema and anything recursive (redaction, rendering)
 * walks the data: extra fields are not checked by the schema, and a deep one would overflow the stack.
 * Iterative, so a hostile depth cannot overflow this check either.
 */
function checkDepth(json: unknown): void {
  const stack: { v: unknown; depth: number; pointer: string }[] = [{ v: json, depth: 0, pointer: '' }]
  while (stack.length > 0) {
    const { v, depth, pointer } = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (depth >= MAX_DEPTH) {
      const shortPointer = pointer.length > 120 ? `${pointer.slice(0, 120)}…` : pointer
      throw new ResultsValidationError(
        fieldOf(pointer).slice(0, 200),
        `'${fieldOf(pointer).slice(0, 120)}' nests deeper than ${MAX_DEPTH} levels (JSON pointer ${shortPointer})`,
        pointer
      )
    }
    for (const [k, x] of Object.entries(v))
      if (x !== null && typeof x === 'object')
        stack.push({ v: x, depth: depth + 1, pointer: `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}` })
  }
}

/**
 * Validate parsed JSON as a results file of a version this build can read: what the comparisons and a
 * stored baseline rely on (schema.ts: core), not every rendered field. Throws ResultsValidationError.
 */
export function validateResults(json: unknown): ResultsFile {
  return checked(validators().core, json) as ResultsFile
}

/** Validate parsed JSON as a history file (schema.ts: history); an error in a run says which run. */
function validateHistory(json: unknown): ResultsFile[] {
  try {
    return (checked(validators().history, json) as { runs: ResultsFile[] }).runs
  } catch (e) {
    const run = e instanceof ResultsValidationError ? /^\/runs\/(\d+)/.exec(e.pointer) : null
    if (run === null) throw e
    const err = e as ResultsValidationError
    throw new ResultsValidationError(err.field, `run ${Number(run[1]) + 1} of the history: ${err.message}`, err.pointer)
  }
}

/** Read and validate a stored baseline. Missing, unreadable, malformed and future files are reported, not thrown. */
export function loadBaseline(path: string): BaselineLoad {
  let json: unknown
  try {
    json = readJsonFile(path)
  } catch (e) {
    if (!(e instanceof UnreadableFileError)) throw e
    if (e.code === 'missing')
      return {
        status: 'missing',
        path,
        message: `no baseline at '${path}' (first run, expired cache, or no run on the default branch yet)`
      }
    if (e.code === 'unreadable') return { status: 'missing', path, message: `cannot read the baseline: ${e.message}` }
    return { status: e.code === 'not-json' ? 'malformed' : 'unusable', path, message: `the baseline ${e.message}` }
  }
  try {
    if (isHistoryJson(json)) {
      const runs = validateHistory(json)
      const usable = runs.filter(usableAsBaseline)
      if (usable.length === 0)
        return {
          status: 'unusable',
          path,
          message: `the baseline history '${path}' has no run with measured 'off' rounds`
        }
      return { status: 'ok', path, history: usable }
    }
    const results = validateResults(json)
    if (!usableAsBaseline(results)) {
      return {
        status: 'unusable',
        path,
        message: `the baseline '${path}' has no measured 'off' rounds (its run ended with verdict '${results.verdict}')`
      }
    }
    return { status: 'ok', path, history: [results] }
  } catch (e) {
    if (e instanceof ResultsValidationError) {
      return {
        status: e.field === 'version' && /newer/.test(e.message) ? 'future-version' : 'malformed',
        path,
        message: `the baseline '${path}' is not a usable results file: ${e.message}`
      }
    }
    throw e
  }
}
