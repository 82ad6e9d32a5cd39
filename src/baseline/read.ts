import * as fs from 'node:fs'
import { RESULTS_SCHEMA, RESULTS_VERSION, type ResultsFile } from './results.js'

/** Outcome of loading a stored baseline; never throws, so a bad file can't crash the gate. */
export type BaselineLoad =
  | { status: 'ok'; path: string; results: ResultsFile }
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
    throw new ResultsValidationError(field, `'${field}' must be ${expected}, got ${shown === undefined ? 'nothing' : shown.slice(0, 80)}`)
  }
}

const positive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0

/**
 * Validate parsed JSON as a results file of a version this build can read. Checks what the
 * comparisons and the report rely on (rounds, their metrics, machine, settings), not every field.
 */
export function validateResults(json: unknown): ResultsFile {
  need(isObject(json), '(root)', 'a JSON object', json)
  const o = json as Record<string, unknown>
  need(o.schema === RESULTS_SCHEMA, 'schema', `'${RESULTS_SCHEMA}'`, o.schema)
  need(typeof o.version === 'number' && Number.isInteger(o.version) && o.version >= 1, 'version', 'a positive integer', o.version)
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
  for (const k of ['connections', 'roundDurationSec', 'warmupSec']) need(typeof s[k] === 'number', `settings.${k}`, 'a number', s[k])
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
  })
  need(typeof o.createdAt === 'string', 'createdAt', 'an ISO date string', o.createdAt)
  return json as ResultsFile
}

/** Read and validate a stored baseline. Missing, unreadable, malformed and future files are reported, not thrown. */
export function loadBaseline(path: string): BaselineLoad {
  let text: string
  try {
    text = fs.readFileSync(path, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return {
      status: 'missing',
      path,
      message:
        code === 'ENOENT'
          ? `no baseline at '${path}' (first run, expired cache, or no run on the default branch yet)`
          : `cannot read the baseline '${path}': ${code ?? String(e)}`
    }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return { status: 'malformed', path, message: `the baseline '${path}' is not valid JSON: ${(e as Error).message}` }
  }
  try {
    const results = validateResults(json)
    if (results.verdict === 'error' || !results.rounds.some((r) => r.armId === 'off')) {
      return {
        status: 'unusable',
        path,
        message: `the baseline '${path}' has no measured 'off' rounds (its run ended with verdict '${results.verdict}')`
      }
    }
    return { status: 'ok', path, results }
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
