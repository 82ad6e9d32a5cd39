import * as core from '@actions/core'
import { INPUT_SPECS } from './inputs.js'
import type { RawInputs } from './config.js'

/** The only caller of core.getInput: every declared input, as the raw string the runner passed. */
export function readInputs(): RawInputs {
  const raw: RawInputs = {}
  for (const spec of INPUT_SPECS) {
    raw[spec.name as keyof RawInputs] = core.getInput(spec.name)
  }
  return raw
}
