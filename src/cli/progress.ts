import type { EngineHooks } from '../gate/engine.js'
import type { RoundResult } from '../types.js'

/** Where and how progress is shown. */
export interface ProgressOptions {
  /** stderr. */
  write: (text: string) => void
  /** An interactive terminal: one line per round updated in place with `\r`. Otherwise plain lines. */
  tty: boolean
  /** Terminal width; the live line is cut to it so that `\r` keeps overwriting a single line. */
  columns?: number
  /** No progress and no info logs; warnings still show. */
  quiet: boolean
  /** Also show the engine's per-round logs (service started/ready…). */
  verbose: boolean
  /** Measured seconds per round, for the live "2/5 s" of the current round. */
  roundDurationSec: number
}

/** Progress display of one run: engine hooks plus log functions that keep the live line intact. */
export interface Progress {
  hooks: Required<Pick<EngineHooks, 'info' | 'warn' | 'onRoundStart' | 'onRoundEnd' | 'onProgress'>>
  /** A line for the user outside the engine (verdict, paths); printed even when quiet. */
  print(line: string): void
  /** Remove the live line (call before printing the report or exiting). */
  finish(): void
}

const CLEAR_LINE = '\r\x1b[2K'
const BAR_WIDTH = 20

/** `round 3/24  block 2  on@0.01  QPS 11234  P99 4.12 ms  spans 5312` (+ failed requests when any). */
export function roundLine(index: number, total: number, round: RoundResult): string {
  const failed = round.load.non2xx + round.load.errors + round.load.timeouts
  return (
    `round ${index + 1}/${total}  block ${round.block + 1}  ${round.armId}  QPS ${round.load.qps.toFixed(0)}  P99 ` +
    `${(round.load.latency.p99Us / 1000).toFixed(2)} ms  spans ${round.otlp.spans}` +
    (failed > 0 ? `  failed ${failed}` : '')
  )
}

/** `[█████···············]`: rounds done out of the total. */
export function bar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total > 0 ? Math.max(0, Math.min(width, Math.round((done / total) * width))) : 0
  return `[${'█'.repeat(filled)}${'·'.repeat(width - filled)}]`
}

interface Live {
  index: number
  total: number
  block: number
  armId: string
  elapsedSec?: number
  qps?: number
}

/** The live line of the current round on a TTY. */
export function liveLine(live: Live, roundDurationSec: number): string {
  const head =
    `${bar(live.index, live.total)} round ${live.index + 1}/${live.total}  block ${live.block + 1}  ` + `${live.armId}`
  if (live.qps === undefined || live.elapsedSec === undefined) return `${head}  starting`
  return (
    `${head}  QPS ${live.qps.toFixed(0)}  ` +
    `${Math.min(live.elapsedSec, roundDurationSec).toFixed(0)}/${roundDurationSec} s`
  )
}

/** Build the progress display for one run. Pure apart from calling `write`. */
export function createProgress(opts: ProgressOptions): Progress {
  let live: Live | null = null
  let shown = false
  // A pty without a size (script, some CI runners) reports 0 columns: assume the classic 80.
  const width = Math.max(20, (opts.columns !== undefined && opts.columns > 0 ? opts.columns : 80) - 1)

  const clear = (): void => {
    if (shown) opts.write(CLEAR_LINE)
    shown = false
  }
  const draw = (): void => {
    if (!opts.tty || opts.quiet || live === null) return
    const text = liveLine(live, opts.roundDurationSec)
    // A line longer than the terminal wraps, and `\r` would then only rewrite its last part.
    opts.write(`${CLEAR_LINE}${text.length > width ? text.slice(0, width - 1) + '…' : text}`)
    shown = true
  }
  const line = (text: string): void => {
    clear()
    opts.write(`${text}\n`)
    draw()
  }

  return {
    hooks: {
      info: (msg) => {
        // Per-round service logs would drown the one line per round the user asked for.
        if (opts.quiet || (live !== null && !opts.verbose)) return
        line(msg)
      },
      warn: (msg) => line(`warning: ${msg}`),
      onRoundStart: ({ index, total, block, armId }) => {
        live = { index, total, block, armId }
        draw()
      },
      onProgress: ({ index, armId, elapsedSec, ok }) => {
        if (live === null || live.index !== index || live.armId !== armId) return
        live.elapsedSec = elapsedSec
        live.qps = elapsedSec > 0 ? ok / elapsedSec : 0
        draw()
      },
      onRoundEnd: ({ index, total, round }) => {
        live = null
        if (opts.quiet) return
        line(roundLine(index, total, round))
      }
    },
    print: (text) => line(text),
    finish: () => {
      live = null
      clear()
    }
  }
}
