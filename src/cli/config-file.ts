import * as fs from 'node:fs'
import * as path from 'node:path'
import YAML from 'yaml'
import { INPUT_SPECS, Inputs, type InputName } from '../config/inputs.js'
import type { RawInputs } from '../config/config.js'
import { errorMessage } from '../errors.js'
import { JSON_INPUTS, MULTILINE_INPUTS, UsageError } from './args.js'
import { didYouMean } from './suggest.js'

const INPUT_NAMES: readonly string[] = INPUT_SPECS.map((s) => s.name)

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  // String(0.01) is '0.01' and String(1e-7) is '1e-7': both forms parseConfig reads.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `KEY=VALUE` pairs of a mapping; `sep` joins them (newline for env, space within one extra arm). */
function pairs(where: string, map: Record<string, unknown>, sep: '\n' | ' '): string {
  return Object.entries(map)
    .map(([k, v]) => {
      const s = v === null ? '' : scalar(v)
      if (s === undefined)
        throw new UsageError(`${where} value of '${k}' must be a string, number or boolean, got ${describe(v)}`)
      // The input is KEY=VALUE lines (or space-separated pairs): a key with '=' or a value with the
      // separator would silently change meaning.
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
  if (Array.isArray(value)) {
    return `${name}: ${value
      .map((item, i) => {
        const s = scalar(item)
        if (s === undefined)
          throw new UsageError(`${where} arm '${name}' item ${i + 1} must be a KEY=VALUE string, got ${describe(item)}`)
        return s
      })
      .join(' ')}`
  }
  const s = value === null ? '' : scalar(value)
  if (s === undefined)
    throw new UsageError(`${where} arm '${name}' must be a string, a mapping or a list, got ${describe(value)}`)
  return `${name}: ${s}`
}

/** A multi-line input (env, extra-arms): a string as is, a list one line per item, a mapping one line per entry. */
function linesToInput(file: string, name: InputName, value: unknown): string {
  const where = `config file '${file}': '${name}'`
  const fromMapping = (map: Record<string, unknown>): string =>
    name === Inputs.ExtraArms
      ? Object.entries(map)
          .map(([k, v]) => extraArmLine(where, k, v))
          .join('\n')
      : pairs(where, map, '\n')
  if (Array.isArray(value)) {
    return value
      .map((item, i) => {
        // YAML reads `- adaptive: X=1` as a one-entry mapping: take it as the line it looks like.
        if (isMapping(item)) return fromMapping(item)
        const s = scalar(item)
        if (s === undefined)
          throw new UsageError(`${where} item ${i + 1} must be a line of text or a mapping, got ${describe(item)}`)
        return s
      })
      .join('\n')
  }
  if (isMapping(value)) return fromMapping(value)
  const s = scalar(value)
  if (s === undefined) throw new UsageError(`${where} must be a mapping, a list or a string, got ${describe(value)}`)
  return s
}

/**
 * Convert a parsed config document (keys = input names) to the string form of the action's inputs.
 * Pure: `file` only names the source in error messages. Null values count as absent (the default).
 */
export function configToInputs(doc: unknown, file: string): RawInputs {
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UsageError(`config file '${file}' must contain a mapping of input names to values, got ${describe(doc)}`)
  }
  const inputs: RawInputs = {}
  for (const [key, value] of Object.entries(doc)) {
    if (!INPUT_NAMES.includes(key)) {
      throw new UsageError(`config file '${file}': unknown key '${key}'${didYouMean(key, INPUT_NAMES)}`)
    }
    if (value === null) continue
    const name = key as InputName
    if (JSON_INPUTS.includes(name) && typeof value === 'object') {
      inputs[name] = JSON.stringify(value)
      continue
    }
    if (MULTILINE_INPUTS.includes(name)) {
      inputs[name] = linesToInput(file, name, value)
      continue
    }
    if (Array.isArray(value)) {
      inputs[name] = value
        .map((item, i) => {
          const s = scalar(item)
          if (s === undefined)
            throw new UsageError(
              `config file '${file}': '${key}' item ${i + 1} must be a string or number, got ${describe(item)}`
            )
          return s
        })
        .join(',')
      continue
    }
    const s = scalar(value)
    if (s === undefined) {
      throw new UsageError(
        `config file '${file}': '${key}' must be a string, number, boolean or list, got ${describe(value)}`
      )
    }
    inputs[name] = s
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
