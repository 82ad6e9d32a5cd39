/**
 * Rounds grouped by the processes that measured them: with processes kept across blocks (`blocks-per-boot`)
 * a boot's collector, span-store and receiver totals belong to the boot, and its usage rides on the boot's last
 * block; with fresh processes every block each block is its own boot.
 */
import type { RoundResult } from '../../../src/types.js'

export interface BootRounds {
  key: string
  rounds: RoundResult[]
  /** The rounds that carry the collector's usage (one per boot when a collector ran). */
  withCollector: RoundResult[]
  /** Spans, bytes and 2xx the receiver and load counted over the boot's rounds. */
  spans: number
  bytes: number
  ok: number
}

export function bootsOf(rounds: readonly RoundResult[]): BootRounds[] {
  const groups = new Map<string, RoundResult[]>()
  for (const r of rounds) {
    const key = r.boot !== undefined ? `boot ${r.boot + 1}` : `block ${r.block + 1}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  return [...groups.entries()].map(([key, rs]) => ({
    key,
    rounds: rs,
    withCollector: rs.filter((r) => r.collector !== undefined),
    spans: rs.reduce((n, r) => n + r.otlp.spans, 0),
    bytes: rs.reduce((n, r) => n + r.otlp.bytes, 0),
    ok: rs.reduce((n, r) => n + r.load.ok, 0)
  }))
}
