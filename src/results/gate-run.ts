import type { LooksTaken } from '../measure/run.js'
import type { BaselineInfo } from './baseline.js'
import type { Comparison, GateResult, MachineInfo, OpenLoopInfo, Plan, RoundResult, SpikeResult } from '../types.js'

/** Everything one gate run measured and decided: plain data for the report and the results JSON. */
export interface GateRun {
  plan: Plan
  rounds: RoundResult[]
  comparisons: Comparison[]
  gate: GateResult
  machine: MachineInfo
  pinning: string
  startedAt: string
  finishedAt: string
  /** Wall seconds of the whole run, and the part spent in measured phases. */
  wallSec: number
  measuredSec: number
  baseline: BaselineInfo
  /** The round design as run (side-by-side or sequential, pinning). */
  design: string
  /** Blocks at each look taken, and why the run stopped there. */
  looks: LooksTaken
  /** The open-loop phase's rate and where it came from (`auto`: a calibration round of the off arm before block 1). */
  openLoop?: OpenLoopInfo
  /** Spike runs after the blocks, one per head arm: single runs, reported, never gated. */
  spike?: SpikeResult[]
}
