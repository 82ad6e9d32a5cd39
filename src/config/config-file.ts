import * as fs from 'node:fs'
import * as path from 'node:path'
import YAML from 'yaml'
import { INPUT_SPECS, Inputs, JSON_INPUTS, MULTILINE_INPUTS, type InputName } from './inputs.js'
import type { RawInputs } from './config.js'
import { errorMessage, UsageError } from '../errors.js'
import { didYouMean } from './suggest.js'
import { checkConfigDocument, NOT_IN_FILE } from './file-schema.js'

const INPUT_NAMES: readonly string[] = INPUT_SPECS.map((s) => s.name)

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A scalar as the input string: String(0.01) is '0.01' and String(1e-7) is '1e-7' (both forms parseConfig
 * reads); null is ''. The schema let only scalars reach here.
 */
const str = (value: unknown): string => (value === null ? '' : String(value))

/** `KEY=VALUE` pairs of a mapping; `sep` joins them (newline for env, space within one extra arm). */
function pairs(where: string, map: Record<string, unknown>, sep: '\n' | ' '): string {
  return Object.entries(map)
    .map(([k, v]) => {
      const s = str(v)
      // The input is KEY=VALUE lines (or space-separated pairs): a key with '=' or a value with the
      // separator would silently change meaning. Not a shape the schema can say in one phrase.
      if (/[=\s]/.test(k) || s.includes('\n') || (sep === ' ' && /\s/.test(s))) {
        throw new UsageError(
          `${where} entry '${k}' cannot be written as KEY=VALUE${sep === ' ' ? ' without spaces' : ' on one line'}`
        )
      }
      return `${k}=${s}`
    })
    .join(sep)
}

/**
 * One `name: KEY=VALUE …` line of extra-arms from a mapping entry (value: a string, a KEY: value map or a KEY=VALUE
 * list).
 */
function extraArmLine(where: string, name: string, value: unknown): string {
  if (isMapping(value)) return `${name}: ${pairs(`${where} arm '${name}':`, value, ' ')}`
  if (Array.isArray(value)) return `${name}: ${value.map(str).join(' ')}`
  return `${name}: ${str(value)}`
}

/**
 * A multi-line input (env, extra-arms, grpc-metadata): a string as is, a list one line per item, a mapping one line per
 * entry.
 */
function linesToInput(file: string, name: InputName, value: unknown): string {
  const where = `config file '${file}': '${name}'`
  const fromMapping = (map: Record<string, unknown>): string =>
    name === Inputs.ExtraArms
      ? Object.entries(map)
          .map(([k, v]) => extraArmLine(where, k, v))
          .join('\n')
      : pairs(where, map, '\n')
  // YAML reads `- adaptive: X=1` as a one-entry mapping: take it as the line it looks like.
  if (Array.isArray(value)) return value.map((item) => (isMapping(item) ? fromMapping(item) : str(item))).join('\n')
  return isMapping(value) ? fromMapping(value) : str(value)
}

/** Every problem the schema found, as one UsageError naming the file (did-you-mean for unknown keys). */
function schemaError(file: string, problems: ReturnType<typeof checkConfigDocument>): UsageError {
  const lines = problems.map((p) =>
    p.unknownKey
      ? `${p.message}${didYouMean(
          p.key,
          INPUT_NAMES.filter((n) => !NOT_IN_FILE.includes(n as InputName))
        )}`
      : p.message
  )
  if (lines.length === 1) return new UsageError(`config file '${file}': ${lines[0]}`)
  return new UsageError(`config file '${file}' has ${lines.length} problems:\n- ${lines.join('\n- ')}`)
}

/**
 * Convert a parsed config document (keys = input names) to the string form of the action's inputs.
 * Pure: `file` only names the source in error messages. The document is first checked against the
 * config file's JSON Schema (config/file-schema.ts); null values count as absent (the default).
 */
export function configToInputs(doc: unknown, file: string): RawInputs {
  if (doc === null || doc === undefined) return {}
  if (!isMapping(doc)) {
    throw new UsageError(`config file '${file}' must contain a mapping of input names to values, got ${describe(doc)}`)
  }
  for (const key of NOT_IN_FILE) {
    if (Object.hasOwn(doc, key))
      throw new UsageError(
        `config file '${file}': '${key}' cannot be set in a config file (files do not include files)`
      )
  }
  const problems = checkConfigDocument(doc)
  if (problems.length > 0) throw schemaError(file, problems)
  const inputs: RawInputs = {}
  for (const [key, value] of Object.entries(doc)) {
    if (value === null) continue
    const name = key as InputName
    if (JSON_INPUTS.includes(name) && typeof value === 'object') inputs[name] = JSON.stringify(value)
    else if (MULTILINE_INPUTS.includes(name)) inputs[name] = linesToInput(file, name, value)
    else inputs[name] = Array.isArray(value) ? value.map(str).join(',') : str(value)
  }
  return inputs
}

/** The format a config file is read as, from its extension. */
export function configFormat(file: string): 'json' | 'yaml' {
  const ext = path.extname(file).toLowerCase()
  if (ext === '.json') return 'json'
  if (ext === '.yaml' || ext === '.yml') return 'yaml'
  throw new UsageError(`config file '${file}' must end in .yaml, .yml or .json, got '${ext || '(no extension)'}'`)
}

/** Parse config file text by its extension (.yaml/.yml: YAML 1.2, .json: JSON). */
export function parseConfigText(text: string, file: string): unknown {
  if (configFormat(file) === 'json') {
    try {
      return JSON.parse(text) as unknown
    } catch (e) {
      throw new UsageError(`config file '${file}' is not valid JSON: ${errorMessage(e)}`)
    }
  }
  try {
    // YAML 1.2 core schema: `off`/`no` stay strings (cpu-pinning: off), duplicate keys are errors.
    return YAML.parse(text, { prettyErrors: true }) as unknown
  } catch (e) {
    throw new UsageError(`config file '${file}' is not valid YAML: ${errorMessage(e)}`)
  }
}

/** Read and convert a config file (absolute path) to raw inputs. */
export function loadConfigFile(file: string): RawInputs {
  configFormat(file)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read config file '${file}': ${errorMessage(e)}`)
  }
  return configToInputs(parseConfigText(text, file), file)
}
