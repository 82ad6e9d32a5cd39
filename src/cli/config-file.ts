import * as fs from 'node:fs'
import * as path from 'node:path'
import YAML from 'yaml'
import { INPUT_SPECS, Inputs, type InputName } from '../config/inputs.js'
import type { RawInputs } from '../config/config.js'
import { errorMessage } from '../errors.js'
import { UsageError } from './args.js'
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

/** The `env` input: a KEY: value map, a list of KEY=VALUE strings, or one multi-line string. */
function envToInput(file: string, value: unknown): string {
  const where = `config file '${file}': 'env'`
  if (Array.isArray(value)) {
    return value
      .map((item, i) => {
        const s = scalar(item)
        if (s === undefined) throw new UsageError(`${where} item ${i + 1} must be a KEY=VALUE string, got ${describe(item)}`)
        return s
      })
      .join('\n')
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => {
        const s = v === null ? '' : scalar(v)
        if (s === undefined) throw new UsageError(`${where} value of '${k}' must be a string, number or boolean, got ${describe(v)}`)
        // The input is KEY=VALUE lines: a key with '=' or a newline anywhere would silently change meaning.
        if (/[=\n]/.test(k) || s.includes('\n')) {
          throw new UsageError(`${where} entry '${k}' cannot be written as one KEY=VALUE line (no '=' in keys, no newlines)`)
        }
        return `${k}=${s}`
      })
      .join('\n')
  }
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
    if (name === Inputs.Env) {
      inputs[name] = envToInput(file, value)
      continue
    }
    if (Array.isArray(value)) {
      inputs[name] = value
        .map((item, i) => {
          const s = scalar(item)
          if (s === undefined) throw new UsageError(`config file '${file}': '${key}' item ${i + 1} must be a string or number, got ${describe(item)}`)
          return s
        })
        .join(',')
      continue
    }
    const s = scalar(value)
    if (s === undefined) {
      throw new UsageError(`config file '${file}': '${key}' must be a string, number, boolean or list, got ${describe(value)}`)
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
