/**
 * The measuring loop, read like the flow: open the rig → (calibrate the open loop) → for each planned
 * block run its rounds → at each planned look analyse and maybe stop → (spike) → close. Measuring and
 * deciding stay apart: the analysis is a pure function called with the rounds so far.
 */
import * as path from 'node:path'
import type { Config } from '../config/config.js'
import { bootLength, scheduleLooks, type LookSchedule, type RunPace } from '../plan/time-budget.js'
import { armsOf, makePlan, OFF_ARM_ID } from '../plan/plan.js'
import { randomSeed } from '../plan/random.js'
import { GateError, errorMessage } from '../errors.js'
import { autoOpenLoopRate, OPEN_LOOP_AUTO_FRACTION, runSpike, spikeStages } from '../load/scenarios.js'
import { runLoad } from '../load/load.js'
import { runGrpcLoad } from '../load/grpc.js'
import { findFreePort } from '../service/service.js'
import { fillPort } from '../security/target.js'
import type { ArmSpec, LooksInfo, OpenLoopInfo, Plan, RoundResult, SpikeResult } from '../types.js'
import { keepsBoots, openRig } from './rig.js'
import {
  abortBoot,
  blockLine,
  finishedRounds,
  bootService,
  endBoot,
  measureBlock,
  runGroup,
  safeName,
  startBoot,
  type GroupMember,
  type RoundContext
} from './round.js'

/** Progress hooks for the action log and the CLI. */
export interface MeasureHooks {
  info?: (msg: string) => void
  warn?: (msg: string) => void
  onRoundStart?: (p: { index: number; total: number; block: number; armId: string }) => void
  onRoundEnd?: (p: { index: number; total: number; round: RoundResult }) => void
  onProgress?: (p: { index: number; total: number; armId: string; elapsedSec: number; ok: number }) => void
  /**
   * While a boot kept across blocks runs: a function that returns the rounds of the blocks it has finished (not
   * yet checked: its processes still run); `undefined` once they are recorded through onRoundEnd. A cancel takes
   * them from here at once instead of waiting for the engine to notice the abort (gate/cancellable.ts).
   */
  onBootRunning?: (finished: (() => RoundResult[]) | undefined) => void
}

/** What a look tells the loop: stop now (everything gated is decided) or go on, and why. */
export interface LookOutcome {
  stop: boolean
  reason: string
}

/**
 * Called after the blocks of each look with every round so far (pure analysis); `final`: no look
 * follows; `looks`: every look of the run as planned now (taken and to come, the last is final).
 */
export type LookFn = (
  rounds: readonly RoundResult[],
  look: { index: number; blocks: number; final: boolean; looks: readonly number[] }
) => LookOutcome

/** The looks of a run (types.ts LooksInfo), with every field set. */
export type LooksTaken = Required<Omit<LooksInfo, 'oneLook'>> & Pick<LooksInfo, 'oneLook'>

/** What the loop measured. */
export interface Measurement {
  /** The plan as run: blocks and steps cut to the blocks measured. */
  plan: Plan
  rounds: RoundResult[]
  design: string
  pinning: string
  /** Blocks at each look taken, and why the run stopped. */
  looks: LooksTaken
  measuredSec: number
  openLoop?: OpenLoopInfo
  spike?: SpikeResult[]
}

/**
 * Fix the open-loop rate before the blocks so every arm sees the same offered load: `auto` runs one
 * calibration block (not part of the results) and offers a fraction of the off arm's QPS — measured
 * in the same design, so on a shared core it is the off arm's share of it.
 */
async function calibrateOpenLoop(
  ctx: RoundContext,
  plan: Plan,
  arms: Map<string, ArmSpec>
): Promise<OpenLoopInfo | undefined> {
  const { config } = ctx
  if (config.openLoopRate === null) return undefined
  if (config.openLoopRate !== 'auto') return { rate: config.openLoopRate, source: 'input' }
  const steps = plan.steps.filter((s) => s.block === 0)
  const members = ctx.rig.design.kind === 'sequential' ? steps.filter((s) => s.armId === OFF_ARM_ID) : steps
  ctx.info(
    `open-loop calibration: one closed-loop ${ctx.rig.design.kind} round of ` +
      `${members.map((s) => s.armId).join(', ')} at ${config.connections} connections (not part of the results)`
  )
  const rounds = await runGroup(
    { ...ctx, onProgress: undefined },
    members.map((step) => ({ step: { ...step, block: -1 }, arm: arms.get(step.armId) as ArmSpec, index: -1 })),
    0
  ).catch((e: unknown) => {
    throw new GateError('load', `open-loop calibration round: ${errorMessage(e)}`)
  })
  const off = rounds.find((r) => r.armId === OFF_ARM_ID) as RoundResult
  const rate = autoOpenLoopRate(off.load.qps)
  ctx.info(
    `open-loop rate: ${rate} requests/s (${OPEN_LOOP_AUTO_FRACTION * 100}% of the calibration round's ` +
      `${off.load.qps.toFixed(0)} QPS)`
  )
  return {
    rate,
    source: 'auto',
    calibration: {
      armId: OFF_ARM_ID,
      connections: config.connections,
      qps: off.load.qps,
      p99Us: off.load.latency.p99Us,
      meanUs: off.load.latency.meanUs,
      fraction: OPEN_LOOP_AUTO_FRACTION
    }
  }
}

/** A spike's fresh boot warms up as long as the arm's rounds needed (auto: the longest), or the fixed time. */
function spikeWarmupSec(
  config: Pick<Config, 'warmupSec' | 'warmupCapSec'>,
  rounds: readonly RoundResult[],
  armId: string
): number {
  if (config.warmupSec !== 'auto') return config.warmupSec
  const mine = rounds.filter((r) => r.armId === armId).map((r) => r.warmup.durationSec)
  return mine.length > 0 ? Math.max(...mine) : config.warmupCapSec
}

/** Spike runs after the blocks: not replicated, so one boot per head arm, stages back to back; never gated. */
async function spikeRuns(ctx: RoundContext, plan: Plan, rounds: readonly RoundResult[]): Promise<SpikeResult[]> {
  const { config, rig } = ctx
  if (config.spike === null) return []
  const stages = spikeStages(config.spike)
  const out: SpikeResult[] = []
  const receiver = rig.receivers[0]
  for (const arm of plan.arms.filter((a) => a.build === 'head' && a.kind !== 'none')) {
    ctx.info(
      `spike: arm ${arm.id}, 0 → ${config.spike.peak} → 0 connections in ${stages.length} stages of ` +
        `${stages[0].durationSec.toFixed(1)} s`
    )
    const port = config.port || (await findFreePort())
    const service = await bootService(ctx, arm, port, receiver, path.join(rig.logDir, `spike-${safeName(arm.id)}.log`))
    try {
      const alive = (): string | null => {
        try {
          service.assertAlive()
          return null
        } catch (e) {
          return errorMessage(e)
        }
      }
      const load = (st: { connections: number; durationSec: number }, i: number) => {
        // A fresh boot is cold (JIT, pools): warm up before the first stage only.
        const o = {
          connections: st.connections,
          warmupSec: i === 0 ? spikeWarmupSec(config, rounds, arm.id) : 0,
          durationSec: st.durationSec,
          timeoutSec: config.requestTimeoutSec
        }
        return rig.grpcTarget !== null
          ? runGrpcLoad({ ...o, address: `127.0.0.1:${port}`, target: rig.grpcTarget })
          : runLoad({ ...o, url: fillPort(config.targetUrl, port) })
      }
      const run = await runSpike(arm.id, stages, load, alive)
      if (run.died !== undefined) ctx.warn(`spike, arm ${arm.id}: the service died ${run.died}`)
      out.push(run)
    } finally {
      await service.stop()
    }
  }
  return out
}

/** Drop the steps of blocks that were planned but not run (the run stopped at an earlier look). */
function planAsRun(plan: Plan, blocks: number): Plan {
  return { ...plan, blocks, steps: plan.steps.filter((s) => s.block < blocks) }
}

/** Seconds of load an `auto` warm-up is expected to take per process, for the a priori block time only. */
const AUTO_WARMUP_ESTIMATE_SEC = 8

/**
 * A priori wall ms per block, used only until the first block has been timed: warm-up + measured
 * seconds per process loaded in turn (alternating: every arm of the block; otherwise one per group of
 * rounds), plus a second of boot and stop per group. The design's own block time is not known here
 * (it differs by design and service); the schedule is re-planned from the measured time after the
 * first block and after every look.
 */
export function estimatedMsPerBlock(
  config: Pick<Config, 'warmupSec' | 'warmupMinSec' | 'roundDesign' | 'roundDurationSec'>,
  groupsPerBlock: number,
  armsPerBlock = 1
): number {
  const warm = config.warmupSec === 'auto' ? Math.max(AUTO_WARMUP_ESTIMATE_SEC, config.warmupMinSec) : config.warmupSec
  const inTurn = config.roundDesign === 'alternating' ? armsPerBlock : 1
  return groupsPerBlock * (inTurn * (warm + config.roundDurationSec) + 1) * 1000
}

/** The a priori pace: a fresh block, a warm block (no warm-up) and a boot (warm-up, no measuring). */
function paceOf(config: Config, groups: number, arms: number): Pace {
  return new Pace(
    estimatedMsPerBlock(config, groups, arms),
    estimatedMsPerBlock({ ...config, warmupSec: 0 }, 1, arms),
    estimatedMsPerBlock({ ...config, roundDurationSec: 0 }, 1, arms)
  )
}

/**
 * The pace of a run, for the time budget: ms per block, and with processes kept across blocks ms per boot
 * (start-up, warm-up and the stop after its last block) apart from ms per warm block. Before anything is
 * measured, estimatedMsPerBlock's numbers.
 */
class Pace {
  private firstBlockMs = 0
  private blocks = 0
  private readonly warmBlocks: number[] = []
  private readonly bootFirsts: number[] = []
  private readonly bootStops: number[] = []
  constructor(
    private readonly estimateBlockMs: number,
    private readonly estimateWarmBlockMs: number,
    private readonly estimateBootMs: number
  ) {}
  started(): void {
    if (this.blocks === 0 && this.firstBlockMs === 0) this.firstBlockMs = Date.now()
  }
  block(ms: number, firstOfBoot: boolean): void {
    this.blocks++
    ;(firstOfBoot ? this.bootFirsts : this.warmBlocks).push(ms)
  }
  stopped(ms: number): void {
    this.bootStops.push(ms)
  }
  msPerBlock(kept: boolean): number {
    if (kept) return this.warmBlocks.length > 0 ? mean(this.warmBlocks) : this.estimateWarmBlockMs
    return this.blocks > 0 ? (Date.now() - this.firstBlockMs) / this.blocks : this.estimateBlockMs
  }
  /** The pace so far, for the log. */
  describe(kept: boolean): string {
    const sec = (ms: number): string => (ms / 1000).toFixed(1)
    return kept
      ? `${sec(this.msPerBlock(true))} s per block and ${sec(this.msPerBoot())} s per boot so far`
      : `${sec(this.msPerBlock(false))} s per block so far`
  }
  /** The run's pace for LooksInfo (plan/time-budget.ts RunPace): what a longer run's time is projected from. */
  summary(startedMs: number, blocks: number, kept: boolean, blocksPerBoot: number): RunPace {
    const sec = (ms: number): number => Math.round(ms) / 1000
    return {
      secBeforeBlocks: sec(Math.max(0, this.firstBlockMs - startedMs)),
      secPerBlock: sec(this.wallPerBlock(blocks)),
      ...(kept ? { secPerBoot: sec(this.msPerBoot()), secPerWarmBlock: sec(this.msPerBlock(true)), blocksPerBoot } : {})
    }
  }
  /** Wall ms per block since the first block started (boots included). */
  wallPerBlock(blocks: number): number {
    return blocks > 0 ? (Date.now() - this.firstBlockMs) / blocks : 0
  }
  msPerBoot(): number {
    if (this.bootFirsts.length === 0) return this.estimateBootMs
    const stop = this.bootStops.length > 0 ? mean(this.bootStops) : 0
    return Math.max(0, mean(this.bootFirsts) - this.msPerBlock(true)) + stop
  }
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

/** The planned rounds of one block as the members of its group(s). */
function membersOf(plan: Plan, arms: Map<string, ArmSpec>, block: number): GroupMember[] {
  const steps = plan.steps.filter((s) => s.block === block)
  return steps.map((step, i) => ({ step, arm: arms.get(step.armId) as ArmSpec, index: block * arms.size + i }))
}

/** What the block loop shares with the boot it runs. */
interface BlockLoop {
  ctx: RoundContext
  plan: Plan
  armMap: Map<string, ArmSpec>
  hooks: MeasureHooks
  run: { rounds: RoundResult[]; openLoop: OpenLoopInfo | undefined }
  pace: Pace
  /** After each block: whether the boot may measure another (the next look or the boot's cap not reached). */
  afterBlock: (block: number, inBoot: number) => boolean
}

/** Rounds done: into the run, and to the hooks. */
function recordRounds(loop: BlockLoop, done: readonly RoundResult[]): void {
  const total = loop.plan.steps.length
  for (const round of done) {
    loop.run.rounds.push(round)
    const index = round.block * loop.armMap.size + round.order
    loop.hooks.onRoundEnd?.({ index, total, round })
  }
}

/**
 * One boot of processes kept across blocks: start every arm's process, measure blocks from `block` on while
 * `afterBlock` allows, end the boot (stop, check) and record its rounds. Returns the next block.
 */
async function runBoot(loop: BlockLoop, block: number, boot: number): Promise<number> {
  const { ctx, plan, armMap, hooks, pace } = loop
  const total = plan.steps.length
  let members = membersOf(plan, armMap, block)
  const t0 = Date.now()
  pace.started()
  const announce = (): void => {
    for (const m of members) hooks.onRoundStart?.({ index: m.index, total, block, armId: m.arm.id })
  }
  // Announced before the boot, as a fresh block is before its services start (the CLI folds their start-up lines
  // into the round in progress).
  announce()
  const group = await startBoot(ctx, members, total, boot)
  hooks.onBootRunning?.(() => finishedRounds(ctx, group))
  let inBoot = 0
  try {
    for (;;) {
      if (inBoot > 0) announce()
      const t = inBoot === 0 ? t0 : Date.now()
      await measureBlock(ctx, group, members, total, loop.run.openLoop)
      hooks.info?.(blockLine(group, boot))
      pace.block(Date.now() - t, inBoot === 0)
      inBoot++
      block++
      if (!loop.afterBlock(block, inBoot)) break
      members = membersOf(plan, armMap, block)
    }
  } catch (e) {
    // The cancel takes the blocks this boot finished from onBootRunning, but the abort may reach this catch first:
    // then the hook is cleared here and the blocks are recorded instead (the cancel keeps whichever came first and
    // ignores the other, gate/cancellable.ts).
    hooks.onBootRunning?.(undefined)
    if (ctx.signal?.aborted === true) recordRounds(loop, finishedRounds(ctx, group))
    await abortBoot(group)
    throw e
  }
  const t1 = Date.now()
  let done: RoundResult[]
  try {
    done = await endBoot(ctx, group)
  } finally {
    hooks.onBootRunning?.(undefined)
  }
  pace.stopped(Date.now() - t1)
  recordRounds(loop, done)
  return block
}

/** One block of fresh processes: its group(s) (side by side, sequential, alternating with `blocks-per-boot: 1`). */
async function runFreshBlock(loop: BlockLoop, block: number): Promise<number> {
  const { ctx, plan, armMap, hooks, pace } = loop
  const total = plan.steps.length
  pace.started()
  const t = Date.now()
  const members = membersOf(plan, armMap, block)
  const groups = ctx.rig.design.kind === 'sequential' ? members.map((m) => [m]) : [members]
  for (const group of groups) {
    for (const m of group) hooks.onRoundStart?.({ index: m.index, total, block, armId: m.arm.id })
    recordRounds(loop, await runGroup(ctx, group, total, loop.run.openLoop))
  }
  pace.block(Date.now() - t, true)
  loop.afterBlock(block + 1, 1)
  return block + 1
}

/**
 * The blocks and looks of a run: the looks are planned from the time budget (plan/time-budget.ts) —
 * before the first block from an estimate, re-planned from the measured times after the first block and
 * after every look; a look after which none fits is the last (it spends the α left). With processes kept
 * across blocks a boot runs from one look to the next (at most `blocks-per-boot` blocks), so a look always
 * sees checked rounds. `look` decides after each whether to go on.
 */
async function runLooks(
  ctx: RoundContext,
  plan: Plan,
  armMap: Map<string, ArmSpec>,
  look: LookFn,
  hooks: MeasureHooks,
  run: { rounds: RoundResult[]; startedMs: number; openLoop: OpenLoopInfo | undefined }
): Promise<LooksTaken> {
  const { config, rig } = ctx
  const taken: number[] = []
  const kept = keepsBoots(config, rig.design.kind)
  const budget = `the ${config.timeBudgetSec} s 'time-budget'`
  const pace = paceOf(config, rig.design.kind === 'sequential' ? armMap.size : 1, armMap.size)
  const looks = new LookPlan(config, plan, kept, pace, run.startedMs, ctx.info)
  const loop: BlockLoop = { ctx, plan, armMap, hooks, run, pace, afterBlock: (b, n) => looks.afterBlock(b, n) }
  let block = 0
  let boots = 0
  for (; ; looks.index++) {
    // The target is read again after every block: the first block's time re-plans the first look.
    while (block < looks.now.looks[looks.index]) {
      block = kept ? await runBoot(loop, block, boots++) : await runFreshBlock(loop, block)
      looks.inBoot = 0
    }
    const outcome = takeLook(
      look,
      run.rounds,
      block,
      taken,
      () => looks.schedule(block, taken),
      (s) => (looks.now = s)
    )
    if (outcome.last) {
      const cut =
        outcome.final && looks.now.capacity < Math.min(config.maxRounds, plan.blocks)
          ? ` (no further look ends within ${budget}; this look spent the α left)`
          : ''
      return {
        blocks: taken,
        stoppedBecause: outcome.reason + cut,
        planned: looks.now.looks,
        secPerBlock: pace.wallPerBlock(block) / 1000,
        pace: pace.summary(run.startedMs, block, kept, looks.bootCap()),
        ...(looks.oneLook !== undefined ? { oneLook: looks.oneLook } : {})
      }
    }
    ctx.info(outcome.reason)
    const cap = looks.bootCap()
    const perBoot = !kept ? '' : cap === 0 ? '; a boot until the next look' : `; at most ${cap} blocks per boot`
    ctx.info(
      `next looks after ${looks.now.looks.slice(taken.length).join(', ')} blocks (${pace.describe(kept)}, ` +
        `${budget}${perBoot})`
    )
  }
}

/** The looks as planned now, re-planned from the run's pace (after the first block and after every look). */
class LookPlan {
  now: LookSchedule
  oneLook: LookSchedule['oneLook']
  /** The look being worked towards (0-based). */
  index = 0
  /** Blocks measured on the boot still running (0: none). */
  inBoot = 0
  constructor(
    private readonly config: Config,
    private readonly plan: Plan,
    private readonly kept: boolean,
    private readonly pace: Pace,
    private readonly startedMs: number,
    private readonly info: (m: string) => void
  ) {
    this.now = this.schedule(0, [])
    this.oneLook = this.now.oneLook
  }

  schedule(blocks: number, done: readonly number[]): LookSchedule {
    const { config } = this
    return scheduleLooks({
      rounds: config.rounds,
      maxRounds: Math.min(config.maxRounds, this.plan.blocks),
      taken: done,
      blocks,
      elapsedMs: Date.now() - this.startedMs,
      msPerBlock: this.pace.msPerBlock(this.kept),
      budgetMs: config.timeBudgetSec * 1000,
      ...(this.kept
        ? { msPerBoot: this.pace.msPerBoot(), blocksPerBoot: this.bootCap(), blocksInBoot: this.inBoot }
        : {})
    })
  }

  /**
   * Most blocks per boot: `blocks-per-boot` as set, or with `auto` the length that gives the narrowest interval
   * for the time at the pace so far (plan/time-budget.ts bootLength; 0 = until the next look).
   */
  bootCap(): number {
    const { config } = this
    if (!this.kept || config.blocksPerBoot > 0) return config.blocksPerBoot
    return bootLength({
      msPerBoot: this.pace.msPerBoot(),
      msPerBlock: this.pace.msPerBlock(true),
      tau: config.processOffset * Math.SQRT2
    })
  }

  /** After a block (`block` measured so far, `inBoot` on this boot): re-plan after the first; may the boot go on? */
  afterBlock(block: number, inBoot: number): boolean {
    this.inBoot = inBoot
    if (block === 1) {
      // The estimate knows neither the design's nor the service's pace: re-planned from the measured block.
      const again = this.schedule(1, [])
      if (again.looks.join() !== this.now.looks.join())
        this.info(`looks re-planned from the first block's time: after ${again.looks.join(', ')} blocks`)
      this.now = again
      this.oneLook = again.oneLook
    }
    const cap = this.bootCap()
    return block < this.now.looks[this.index] && (cap === 0 || inBoot < cap)
  }
}

/** A look after `block` blocks: re-plan the looks after it (none left → final), then ask `look`. */
function takeLook(
  look: LookFn,
  rounds: readonly RoundResult[],
  block: number,
  taken: number[],
  replan: () => LookSchedule,
  setPlan: (s: LookSchedule) => void
): { last: boolean; final: boolean; reason: string } {
  taken.push(block)
  // After the look: where the next looks go at the measured pace; none → this look is the last.
  const planned = replan()
  setPlan(planned)
  const final = planned.looks.length === taken.length
  const outcome = look(rounds, { index: taken.length - 1, blocks: block, final, looks: planned.looks })
  return { last: outcome.stop || final, final, reason: outcome.reason }
}

/**
 * Measure: every planned block runs its arms (side-by-side or sequential), and after each planned
 * look `look` decides whether to go on. Throws GateError/ServiceError on any fault — a fault must never
 * turn into a verdict; `onRoundEnd` has seen every finished round by then (partial results on cancel).
 */
export async function measureRun(
  config: Config,
  envOf: RoundContext['envOf'],
  look: LookFn,
  hooks: MeasureHooks = {},
  signal?: AbortSignal
): Promise<Measurement> {
  const info = hooks.info ?? (() => {})
  const warn = hooks.warn ?? (() => {})
  const startedMs = Date.now()
  const seed = config.seed ?? randomSeed()
  const arms = armsOf(config)
  // Blocks beyond the looks actually taken are dropped (planAsRun); the order of a block does not depend on how many
  // follow.
  const plan = makePlan(arms, config.maxRounds, seed)
  const armMap = new Map(plan.arms.map((a) => [a.id, a]))
  info(`seed ${seed} (set 'seed: ${seed}' to reproduce this round order)`)
  info(
    `arms: ${plan.arms.map((a) => a.id).join(', ')}; at most ${plan.blocks} blocks (${plan.steps.length} rounds), ` +
      `looks planned from the ${config.timeBudgetSec} s 'time-budget'`
  )
  const rig = await openRig(config, arms.length, info, warn)
  info(`design: ${rig.design.description}`)
  const ctx: RoundContext = {
    config,
    rig,
    envOf,
    info,
    warn,
    onProgress: hooks.onProgress,
    ...(signal !== undefined ? { signal } : {})
  }
  const rounds: RoundResult[] = []
  let openLoop: OpenLoopInfo | undefined
  let spike: SpikeResult[] | undefined
  try {
    openLoop = await calibrateOpenLoop(ctx, plan, armMap)
    const looksTaken = await runLooks(ctx, plan, armMap, look, hooks, {
      rounds,
      startedMs,
      openLoop
    })
    const ran = planAsRun(plan, looksTaken.blocks[looksTaken.blocks.length - 1])
    const s = await spikeRuns(ctx, ran, rounds)
    if (s.length > 0) spike = s
    // Rounds of one side-by-side block overlap in time: count each block's longest round once (alternating
    // and sequential rounds follow one another).
    const perBlock = new Map<number, number>()
    for (const r of rounds) {
      const sec = r.load.durationSec + (r.phases ?? []).reduce((b, ph) => b + ph.load.durationSec, 0)
      perBlock.set(
        r.block,
        rig.design.kind === 'side-by-side'
          ? Math.max(perBlock.get(r.block) ?? 0, sec)
          : (perBlock.get(r.block) ?? 0) + sec
      )
    }
    const measuredSec = [...perBlock.values()].reduce((a, b) => a + b, 0)
    return {
      plan: ran,
      rounds,
      design: rig.design.description,
      pinning: rig.pinning.reason,
      looks: looksTaken,
      measuredSec,
      ...(openLoop !== undefined ? { openLoop } : {}),
      ...(spike !== undefined ? { spike } : {})
    }
  } finally {
    await rig.close()
  }
}
