import { targetOf, type Config } from '../config/config.js'
import type { MachineInfo } from '../types.js'
import type { ResultsFile } from './results.js'

export type { BaselineInfo } from './results.js'

/** Differences between two fingerprints that make a cross-run comparison cross-machine. */
export function machineDifferences(a: MachineInfo, b: MachineInfo): string[] {
  const out: string[] = []
  if (a.cpuModel !== b.cpuModel) out.push(`CPU '${a.cpuModel}' vs '${b.cpuModel}'`)
  if (a.cores !== b.cores) out.push(`${a.cores} vs ${b.cores} cores`)
  return out
}

/** Settings that must match for a stored baseline to measure the same thing. */
export function settingsDifferences(config: Config, stored: ResultsFile['settings']): string[] {
  const out: string[] = []
  if (stored.connections !== config.connections) out.push(`connections ${stored.connections} vs ${config.connections}`)
  if (stored.roundDurationSec !== config.roundDurationSec)
    out.push(`round-duration ${stored.roundDurationSec} vs ${config.roundDurationSec}`)
  if (stored.warmupSec !== config.warmupSec) out.push(`warmup-duration ${stored.warmupSec} vs ${config.warmupSec}`)
  if (stored.target !== targetOf(config)) out.push(`target '${stored.target}' vs '${targetOf(config)}'`)
  return out
}
