// The noise rows' odd blocks, second by second (issue 11; not part of the test suite): for every run
// in bench/results/noise-history.jsonl that kept per-second counts (perBlock[].okPerSec, since
// 2026-11-30 12:10 UTC), the A/A pair's log-ratio per block and, for blocks more than 3 % apart, per
// second of the window; then how many such blocks kept the same sign in every second.
//
//   node bench/probes/odd-blocks.mjs [--threshold 0.03]
import { readFileSync } from 'node:fs'

const i = process.argv.indexOf('--threshold')
const threshold = i >= 0 ? Number(process.argv[i + 1]) : 0.03
const file = new URL('../results/noise-history.jsonl', import.meta.url)
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}`
let odd = 0
let steady = 0
const offsets = []
for (const r of rows) {
  const blocks = (r.perBlock ?? []).filter((b) => b.off?.okPerSec && b['base/off']?.okPerSec)
  if (blocks.length === 0) continue
  console.log(`${r.date} · per-block A/A QPS SD ${(r.sd_qps * 100).toFixed(2)} %`)
  blocks.forEach((b, k) => {
    const lr = Math.log(b.off.qps / b['base/off'].qps)
    if (Math.abs(lr) <= threshold) return
    const perSec = b.off.okPerSec.map((x, s) => Math.log(x / b['base/off'].okPerSec[s]))
    odd++
    if (perSec.every((v) => Math.sign(v) === Math.sign(lr))) steady++
    offsets.push(...perSec.map(Math.abs))
    console.log(`  block ${k}: ${pct(lr)} %; per second: ${perSec.map(pct).join(' ')}`)
  })
}
const range =
  offsets.length > 0
    ? `, per-second offsets ${(Math.min(...offsets) * 100).toFixed(1)}–${(Math.max(...offsets) * 100).toFixed(1)} %`
    : ''
console.log(
  `${odd} blocks more than ${(threshold * 100).toFixed(0)} % apart; ${steady} of them on the same side in every second${range}`
)
