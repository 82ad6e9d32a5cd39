/**
 * Reading and writing main's history (main-history.ts) at a local path, validated with ajv against a
 * JSON schema of the version this build writes. A missing file is an empty history (the first record
 * run creates it); anything else that is not a valid history of this version (corrupt JSON, another
 * tool's file, a newer version, a bad field) is a MainHistoryError naming the path and the field,
 * never a silent reset: the file is the only copy of months of runs.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import { readJsonFile, UnreadableFileError } from './read.js'
import { redactDeep } from '../security/redact.js'
import { emptyMainHistory, MAIN_HISTORY_SCHEMA, MAIN_HISTORY_VERSION, type MainHistoryFile } from './main-history.js'

/** A history file that cannot be used; the message names the path and, when known, the field. */
export class MainHistoryError extends Error {
  constructor(
    readonly path: string,
    message: string
  ) {
    super(message)
    this.name = 'MainHistoryError'
  }
}

const num = { type: 'number' }
const str = { type: 'string', maxLength: 20_000 }
const numOrNull = { type: ['number', 'null'] }
const blockSummary = {
  type: 'object',
  required: ['n', 'geoMean', 'logSd'],
  properties: {
    n: { type: 'integer', minimum: 1 },
    geoMean: { type: 'number', exclusiveMinimum: 0 },
    logSd: numOrNull,
    blocks: { type: 'array', maxItems: 100_000, items: { type: 'number', exclusiveMinimum: 0 } }
  }
}
const entry = {
  type: 'object',
  required: ['commit', 'time', 'runner', 'settings', 'arms', 'intervals'],
  properties: {
    commit: { type: 'string', minLength: 1, maxLength: 200 },
    time: str,
    ref: str,
    runUrl: str,
    runner: {
      type: 'object',
      required: ['cpuModel', 'cores', 'os', 'node', 'runner'],
      properties: { cpuModel: str, cores: num, os: str, node: str, runner: str }
    },
    settings: {
      type: 'object',
      required: ['target', 'connections', 'roundDurationSec', 'warmupSec'],
      properties: {
        target: str,
        connections: num,
        roundDurationSec: num,
        warmupSec: { anyOf: [num, { const: 'auto' }] }
      }
    },
    arms: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['samplingRate', 'metrics'],
        properties: {
          samplingRate: numOrNull,
          metrics: {
            type: 'object',
            propertyNames: { enum: ['qps', 'p99', 'cpu'] },
            additionalProperties: blockSummary
          }
        }
      }
    },
    intervals: {
      type: 'array',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: [
          'kind',
          'armId',
          'referenceArmId',
          'metric',
          'n',
          'ratio',
          'overhead',
          'ciLow',
          'ciHigh',
          'confidence'
        ],
        properties: {
          kind: str,
          armId: str,
          referenceArmId: str,
          metric: { enum: ['qps', 'p99', 'cpu'] },
          n: num,
          ratio: { type: 'number', exclusiveMinimum: 0 },
          overhead: num,
          ciLow: numOrNull,
          ciHigh: numOrNull,
          confidence: num
        }
      }
    }
  }
}
/** The schema of a version-1 history (schema and version are checked first, for a clearer message). */
export const MAIN_HISTORY_JSON_SCHEMA = {
  type: 'object',
  required: ['schema', 'version', 'limits', 'compaction', 'entries', 'announced'],
  properties: {
    schema: { const: MAIN_HISTORY_SCHEMA },
    version: { const: MAIN_HISTORY_VERSION },
    limits: {
      type: 'object',
      required: ['maxEntries', 'detailedEntries'],
      properties: { maxEntries: { type: 'integer', minimum: 1 }, detailedEntries: { type: 'integer', minimum: 0 } }
    },
    compaction: {
      type: 'object',
      required: ['dropped', 'summarised'],
      properties: { dropped: { type: 'integer', minimum: 0 }, summarised: { type: 'integer', minimum: 0 } }
    },
    entries: { type: 'array', maxItems: 100_000, items: entry },
    announced: {
      type: 'array',
      maxItems: 100_000,
      items: {
        type: 'object',
        required: ['series', 'commit', 'time'],
        properties: { series: str, commit: str, time: str }
      }
    }
  }
} as const

let validate: ReturnType<Ajv['compile']> | null = null

/** `/entries/3/commit` → `entries[3].commit`. */
function fieldOf(pointer: string): string {
  if (pointer === '') return '(root)'
  return pointer
    .slice(1)
    .split('/')
    .reduce((f, t) => (/^\d+$/.test(t) ? `${f}[${t}]` : f === '' ? t : `${f}.${t}`), '')
}

function describe(err: ErrorObject): string {
  let pointer = err.instancePath
  if (err.keyword === 'required') pointer = `${pointer}/${(err.params as { missingProperty: string }).missingProperty}`
  const what = err.keyword === 'required' ? 'is missing' : (err.message ?? 'is not valid')
  return `'${fieldOf(pointer)}' ${what}`
}

/**
 * Validate parsed JSON as a history of this version. `file` is only for messages. Throws
 * MainHistoryError: a foreign file and a newer version are told apart from a bad field.
 */
export function validateMainHistory(json: unknown, file: string, input = "'history-path' a new file"): MainHistoryFile {
  const schema = (json as { schema?: unknown } | null)?.schema
  if (typeof json !== 'object' || json === null || Array.isArray(json) || schema !== MAIN_HISTORY_SCHEMA) {
    throw new MainHistoryError(
      file,
      `'${file}' is not a main history of otlp-perf-gate (expected "schema": "${MAIN_HISTORY_SCHEMA}", got ${
        schema === undefined ? 'no schema field' : JSON.stringify(schema).slice(0, 80)
      }); refusing to overwrite it — give ${input} or this tool's history`
    )
  }
  const version = (json as { version?: unknown }).version
  if (version !== MAIN_HISTORY_VERSION) {
    throw new MainHistoryError(
      file,
      `'${file}': main history version ${JSON.stringify(version)?.slice(0, 40)} is not the version this gate ` +
        `reads (${MAIN_HISTORY_VERSION})` +
        (typeof version === 'number' && version > MAIN_HISTORY_VERSION ? '; update the action on this branch' : '')
    )
  }
  if (validate === null) {
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true })
    validate = ajv.compile(MAIN_HISTORY_JSON_SCHEMA)
  }
  if (!validate(json)) {
    const err = validate.errors?.[0]
    throw new MainHistoryError(
      file,
      `'${file}' is a damaged main history: ${err === undefined ? 'invalid' : describe(err)}; fix or remove the file ` +
        `(it is never reset silently)`
    )
  }
  const h = json as unknown as MainHistoryFile
  // What the schema cannot say: entries are oldest first.
  for (let i = 1; i < h.entries.length; i++)
    if (Date.parse(h.entries[i].time) < Date.parse(h.entries[i - 1].time))
      throw new MainHistoryError(
        file,
        `'${file}' is a damaged main history: 'entries[${i}].time' (${h.entries[i].time}) is before the entry above ` +
          `it; entries must be oldest first`
      )
  return h
}

/**
 * Read the history at `file`: a missing file is a new, empty history with the given limits; an
 * existing file keeps its own limits unless new ones are given. Throws MainHistoryError otherwise.
 */
export function readMainHistory(
  file: string,
  limits?: { maxEntries: number; detailedEntries: number }
): MainHistoryFile {
  let json: unknown
  try {
    json = readJsonFile(file)
  } catch (e) {
    if (e instanceof UnreadableFileError) {
      if (e.code === 'missing') return emptyMainHistory(limits?.maxEntries, limits?.detailedEntries)
      throw new MainHistoryError(file, `main history: ${e.message}`)
    }
    throw e
  }
  const h = validateMainHistory(json, file)
  return limits === undefined ? h : { ...h, limits: { ...limits } }
}

/** The text a history is stored as (redacted: it may be pushed to a branch anyone with read access sees). */
export function mainHistoryText(history: MainHistoryFile): string {
  return `${JSON.stringify(redactDeep(history), null, 1)}\n`
}

/** Write the history to `file` atomically (temporary file + rename: a cancelled job never leaves half a file). */
export function writeMainHistory(file: string, history: MainHistoryFile): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, mainHistoryText(history))
  fs.renameSync(tmp, file)
}
