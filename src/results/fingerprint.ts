import * as os from 'node:os'
import type { MachineInfo } from '../types.js'

/** The machine fingerprint recorded with every results file. */
export function machineInfo(env: NodeJS.ProcessEnv = process.env): MachineInfo {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    runner: env.RUNNER_NAME ?? os.hostname()
  }
}
