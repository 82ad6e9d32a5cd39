/**
 * The action's raw inputs: `with:` merged over the optional config file named by `config-file`, the same
 * file and conversion as the CLI's `--config` (config/config-file.ts), so the two faces read one format.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ConfigError, type RawInputs } from './config/config.js'
import { INPUT_SPECS, Inputs, PATH_INPUTS, type InputName } from './config/inputs.js'
import { loadConfigFile } from './config/config-file.js'

/** What the merge took from where, for the log. */
export interface MergedInputs {
  raw: RawInputs
  /** Inputs whose value came from the file. */
  fromFile: InputName[]
  /** Inputs set in both: `with:` won. */
  overridden: InputName[]
}

/**
 * `with:` (non-default) > file > defaults. The runner passes every input, filling the ones a workflow
 * left out with action.yml's default, so the action cannot tell "not given" from "given as the default":
 * a `with:` value equal to the default (or empty) counts as not given and the file's value applies.
 * Paths from the file are made absolute against the file's folder, as the CLI does.
 */
export function mergeWithFile(withInputs: RawInputs, file: RawInputs, fileDir: string): MergedInputs {
  const raw: RawInputs = { ...withInputs }
  const fromFile: InputName[] = []
  const overridden: InputName[] = []
  for (const spec of INPUT_SPECS) {
    const name = spec.name as InputName
    const fileValue = file[name]
    if (fileValue === undefined) continue
    const given = (withInputs[name] ?? '').trim()
    if (given !== '' && given !== spec.default) {
      overridden.push(name)
      continue
    }
    const isPath = (PATH_INPUTS as readonly string[]).includes(name) && fileValue.trim() !== ''
    raw[name] = isPath ? path.resolve(fileDir, fileValue.trim()) : fileValue
    fromFile.push(name)
  }
  return { raw, fromFile, overridden }
}

/**
 * `with:` inputs merged with the file `config-file` names (relative to `workspace`), or the inputs as
 * they are when it is empty. Throws ConfigError for a missing file, UsageError (errors.ts) for a bad one.
 */
export function withConfigFile(withInputs: RawInputs, workspace: string, log: (m: string) => void): RawInputs {
  const given = (withInputs[Inputs.ConfigFile] ?? '').trim()
  if (given === '') return withInputs
  const file = path.resolve(workspace, given)
  if (!fs.existsSync(file)) {
    throw new ConfigError(
      Inputs.ConfigFile,
      `'${Inputs.ConfigFile}' must name a YAML or JSON file (relative to the workspace ${workspace}), got ` +
        `'${given}': there is no ${file}`
    )
  }
  const merged = mergeWithFile(withInputs, loadConfigFile(file), path.dirname(file))
  const list = (names: string[]): string => (names.length > 0 ? names.join(', ') : 'none')
  log(`config file ${given}: ${list(merged.fromFile)} from the file; ${list(merged.overridden)} set in with: instead`)
  return merged.raw
}
