import { HISTORY_VERSION, isHistoryJson, usableAsBaseline } from './history.js'
import * as fs from 'node:fs'
import { RESULTS_SCHEMA, RESULTS_VERSION, type ResultsFile } from './results.js'
import { checkReportable, FieldError } from './validate.js'

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
  const json = readJsonFile(file)
  const results = validateResults(json)
  try {
    checkReportable(json)
  } catch (e) {
    if (e instanceof FieldError) throw new ResultsValidationError(e.field, e.message)
    throw e
  }
  return results
}

/** Outcome of loading a stored baseline; never throws, so a bad file can't crash the gate. */
export type BaselineLoad =
  | { status: 'ok'; path: string; history: ResultsFile[] }
  | { status: 'missing' | 'malformed' | 'future-version' | 'unusable'; path: string; message: string }

/** A results file that does not have the shape this version writes; names the offending field. */
export class ResultsValidationError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(message)
    this.name = 'ResultsValidationError'
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function need(cond: boolean, field: string, expected: string, got: unknown): void {
  if (!cond) {
    const shown = JSON.stringify(got)
    throw new ResultsValidationError(
      field,
      `'${field}' must be ${expected}, got ${shown === undefined ? 'nothing' : shown.slice(0, 80)}`
    )
  }
}

const positive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0

const num = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x)
/** A quantile that was NaN (no 2xx answer) is written as null by JSON.stringify. */
const numOrNull = (x: unknown): boolean => x === null || num(x)

/** The optional extra phases of a round (connection levels, open loop); older files have none. */
function validatePhases(phases: unknown, field: string): void {
  if (phases === undefined) return
  need(Array.isArray(phases), field, 'an array', phases)
  ;(phases as unknown[]).forEach((p, j) => {
    const f = `${field}[${j}]`
    need(isObject(p), f, 'an object', p)
    const ph = p as Record<string, unknown>
    need(typeof ph.id === 'string', `${f}.id`, 'a string', ph.id)
    need(ph.kind === 'closed' || ph.kind === 'open', `${f}.kind`, "'closed' or 'open'", ph.kind)
    need(num(ph.connections), `${f}.connections`, 'a number', ph.connections)
    need(isObject(ph.load), `${f}.load`, 'an object', ph.load)
    const load = ph.load as Record<string, unknown>
    for (const k of ['qps', 'ok', 'non2xx', 'errors', 'timeouts', 'errorRate'])
      need(num(load[k]), `${f}.load.${k}`, 'a number', load[k])
    need(isObject(load.latency), `${f}.load.latency`, 'an object', load.latency)
    const lat = load.latency as Record<string, unknown>
    need(numOrNull(lat.p99Us), `${f}.load.latency.p99Us`, 'a number or null', lat.p99Us)
  })
}

/** The optional open-loop info and spike runs: the report renders them, so a malformed artifact must not crash it. */
function validateScenarios(o: Record<string, unknown>): void {
  if (o.openLoop !== undefined) {
    need(isObject(o.openLoop), 'openLoop', 'an object', o.openLoop)
    const ol = o.openLoop as Record<string, unknown>
    need(positive(ol.rate), 'openLoop.rate', 'a positive number', ol.rate)
    need(ol.source === 'auto' || ol.source === 'input', 'openLoop.source', "'auto' or 'input'", ol.source)
    if (ol.calibration !== undefined) {
      need(isObject(ol.calibration), 'openLoop.calibration', 'an object', ol.calibration)
      const c = ol.calibration as Record<string, unknown>
      need(typeof c.armId === 'string', 'openLoop.calibration.armId', 'a string', c.armId)
      for (const k of ['connections', 'qps', 'fraction']) need(num(c[k]), `openLoop.calibration.${k}`, 'a number', c[k])
    }
  }
  if (o.spike === undefined) return
  need(Array.isArray(o.spike), 'spike', 'an array', o.spike)
  ;(o.spike as unknown[]).forEach((r, i) => {
    need(isObject(r), `spike[${i}]`, 'an object', r)
    const run = r as Record<string, unknown>
    need(typeof run.armId === 'string', `spike[${i}].armId`, 'a string', run.armId)
    need(run.died === undefined || typeof run.died === 'string', `spike[${i}].died`, 'a string', run.died)
    need(Array.isArray(run.stages), `spike[${i}].stages`, 'an array', run.stages)
    ;(run.stages as unknown[]).forEach((st, j) => {
      need(isObject(st), `spike[${i}].stages[${j}]`, 'an object', st)
      const stage = st as Record<string, unknown>
      for (const k of ['connections', 'durationSec', 'qps', 'errors', 'errorRate'])
        need(num(stage[k]), `spike[${i}].stages[${j}].${k}`, 'a number', stage[k])
      need(numOrNull(stage.p99Us), `spike[${i}].stages[${j}].p99Us`, 'a number or null', stage.p99Us)
    })
  })
}

/**
 * Validate parsed JSON as a results file of a version this build can read. Checks what the
 * comparisons and the report rely on (rounds, their metrics, machine, settings), not every field.
 */
export function validateResults(json: unknown): ResultsFile {
  need(isObject(json), '(root)', 'a JSON object', json)
  const o = json as Record<string, unknown>
  need(o.schema === RESULTS_SCHEMA, 'schema', `'${RESULTS_SCHEMA}'`, o.schema)
  need(
    typeof o.version === 'number' && Number.isInteger(o.version) && o.version >= 1,
    'version',
    'a positive integer',
    o.version
  )
  if ((o.version as number) > RESULTS_VERSION) {
    throw new ResultsValidationError(
      'version',
      `results version ${String(o.version)} is newer than this gate understands (${RESULTS_VERSION}); update the action on this branch`
    )
  }
  need(isObject(o.machine), 'machine', 'an object', o.machine)
  const m = o.machine as Record<string, unknown>
  need(typeof m.cpuModel === 'string', 'machine.cpuModel', 'a string', m.cpuModel)
  need(typeof m.cores === 'number', 'machine.cores', 'a number', m.cores)
  need(isObject(o.settings), 'settings', 'an object', o.settings)
  const s = o.settings as Record<string, unknown>
  for (const k of ['connections', 'roundDurationSec']) need(typeof s[k] === 'number', `settings.${k}`, 'a number', s[k])
  need(
    typeof s.warmupSec === 'number' || s.warmupSec === 'auto',
    'settings.warmupSec',
    "a number or 'auto'",
    s.warmupSec
  )
  need(typeof s.target === 'string', 'settings.target', 'a string', s.target)
  need(Array.isArray(o.rounds), 'rounds', 'an array', o.rounds)
  ;(o.rounds as unknown[]).forEach((r, i) => {
    need(isObject(r), `rounds[${i}]`, 'an object', r)
    const round = r as Record<string, unknown>
    need(typeof round.armId === 'string', `rounds[${i}].armId`, 'a string', round.armId)
    need(typeof round.block === 'number', `rounds[${i}].block`, 'a number', round.block)
    need(isObject(round.load), `rounds[${i}].load`, 'an object', round.load)
    const load = round.load as Record<string, unknown>
    need(positive(load.qps), `rounds[${i}].load.qps`, 'a positive number', load.qps)
    need(isObject(load.latency), `rounds[${i}].load.latency`, 'an object', load.latency)
    const lat = load.latency as Record<string, unknown>
    need(positive(lat.p99Us), `rounds[${i}].load.latency.p99Us`, 'a positive number', lat.p99Us)
    validatePhases(round.phases, `rounds[${i}].phases`)
  })
  validateScenarios(o)
  need(typeof o.createdAt === 'string', 'createdAt', 'an ISO date string', o.createdAt)
  return json as ResultsFile
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
      need(
        json.version === HISTORY_VERSION,
        'version',
        `${HISTORY_VERSION} (history files of other versions are not understood)`,
        json.version
      )
      need(Array.isArray(json.runs), 'runs', 'an array of results', json.runs)
      const runs = (json.runs as unknown[]).map((r, i) => {
        try {
          return validateResults(r)
        } catch (e) {
          if (e instanceof ResultsValidationError)
            throw new ResultsValidationError(`runs[${i}].${e.field}`, `run ${i + 1} of the history: ${e.message}`)
          throw e
        }
      })
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
