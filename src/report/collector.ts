/**
 * Report section: the collector pipeline (`collector-command`), per traced arm — what the collector took
 * in and sent on (keep ratio), what it cost (CPU-seconds per 1,000 requests of its service, peak RSS) and
 * the bytes it sent per hour (the storage growth after the pipeline). The collector's numbers are its own
 * process tree's, never part of the service's overhead above. Pure.
 */
import { markdownTable } from 'markdown-table'
import type { RoundResult } from '../types.js'
import { escapeMarkdown, fmtInt, fmtMBh, fmtPct } from '../format.js'

/** One arm's collector numbers pooled over its blocks. */
export interface ArmCollector {
  armId: string
  blocks: number
  spansIn: number
  spansOut: number
  /** Pooled spans out / spans in (null when nothing came in). */
  keepRatio: number | null
  /** CPU-seconds per 1,000 requests of the service (null without CPU sampling). */
  cpuPer1k: number | null
  rssPeakBytes: number | null
  /** Bytes out per hour of collector life, in MB (10^6). */
  mbPerHour: number
  /** Blocks whose drain ended on its cap (the receiver never fell quiet). */
  drainCapped: number
  /** `span-store: jaeger`: Badger's data-directory growth per hour of collector life, in MB (null without a store). */
  storeMbPerHour: number | null
}

/** Per arm with a collector, in order of first appearance (calibration rounds excluded). */
export function armCollectors(rounds: readonly RoundResult[]): ArmCollector[] {
  const arms = new Map<string, RoundResult[]>()
  for (const r of rounds)
    if (r.block >= 0 && r.collector !== undefined) arms.set(r.armId, [...(arms.get(r.armId) ?? []), r])
  return [...arms.entries()].map(([armId, rs]) => {
    const cs = rs.map((r) => r.collector!)
    const sum = (f: (c: (typeof cs)[number]) => number): number => cs.reduce((a, c) => a + f(c), 0)
    const spansIn = sum((c) => c.spansIn)
    const spansOut = sum((c) => c.spansOut)
    const withCpu = cs.filter((c) => c.cpuSeconds !== undefined && (c.requests ?? 0) > 0)
    const cpuReq = withCpu.reduce((a, c) => a + (c.requests as number), 0)
    const life = sum((c) => c.lifeSec)
    const rss = cs.map((c) => c.rssPeakBytes).filter((x): x is number => x !== undefined)
    return {
      armId,
      blocks: cs.length,
      spansIn,
      spansOut,
      keepRatio: spansIn > 0 ? spansOut / spansIn : null,
      cpuPer1k:
        withCpu.length === cs.length && cpuReq > 0
          ? (withCpu.reduce((a, c) => a + (c.cpuSeconds as number), 0) / cpuReq) * 1000
          : null,
      rssPeakBytes: rss.length > 0 ? Math.max(...rss) : null,
      mbPerHour: life > 0 ? ((sum((c) => c.bytesOut) / life) * 3600) / 1e6 : 0,
      drainCapped: cs.filter((c) => c.drainCapped).length,
      storeMbPerHour:
        life > 0 && cs.every((c) => c.storeGrowthBytes !== undefined)
          ? ((sum((c) => c.storeGrowthBytes as number) / life) * 3600) / 1e6
          : null
    }
  })
}

/** The section's lines (empty without a collector). */
export function collectorSection(input: { rounds: readonly RoundResult[] }): string[] {
  const arms = armCollectors(input.rounds)
  if (arms.length === 0) return []
  const withStore = arms.some((a) => a.storeMbPerHour !== null)
  const rows = arms.map((a) => [
    escapeMarkdown(a.armId),
    fmtInt(a.spansIn),
    fmtInt(a.spansOut),
    a.keepRatio === null ? 'n/a' : fmtPct(a.keepRatio, { digits: 2 }),
    a.cpuPer1k === null ? 'n/a' : a.cpuPer1k.toFixed(3),
    a.rssPeakBytes === null ? 'n/a' : `${(a.rssPeakBytes / 2 ** 20).toFixed(0)} MiB`,
    fmtMBh(a.mbPerHour),
    ...(withStore ? [a.storeMbPerHour === null ? 'n/a' : fmtMBh(a.storeMbPerHour)] : []),
    String(a.blocks)
  ])
  const capped = arms.filter((a) => a.drainCapped > 0)
  return [
    '#### Collector pipeline',
    '',
    markdownTable(
      [
        [
          'Arm',
          'Spans in',
          'Spans out',
          'Kept',
          'Collector CPU-s / 1k req',
          'Collector peak RSS',
          'Out per hour',
          ...(withStore ? ['Jaeger (Badger) per hour'] : []),
          'Blocks'
        ],
        ...rows
      ],
      { align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', ...(withStore ? ['r'] : [])] }
    ),
    '',
    "Spans in: the collector's own count (otelcol_receiver_accepted_spans); spans out: what reached the gate's " +
      'receiver. ' +
      "The collector's CPU (its process tree, from its start to its drain, per 2xx answer of its service) and memory " +
      "are not part of the service's overhead above: the service still creates and exports every span it samples, " +
      'whatever the collector keeps. Out per hour: bytes sent on per hour of collector life (storage growth after ' +
      'the pipeline).' +
      (withStore
        ? " Jaeger (Badger) per hour: growth of the span store's data directory on disk (allocated bytes, after " +
          'Jaeger closed and flushed), per hour of collector life: what the same spans cost a real store, indexes ' +
          'included.'
        : ''),
    ...(capped.length > 0
      ? [
          '',
          `> ⚠️ The receiver never fell quiet within the drain's cap ` +
            `(${capped.map((a) => `${escapeMarkdown(a.armId)} in ${a.drainCapped} blocks`).join(', ')}): spans still ` +
            `in flight were not counted as kept.`
        ]
      : []),
    ''
  ]
}
