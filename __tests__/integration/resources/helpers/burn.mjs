// Test helper: burn a known amount of CPU, then exit or stay alive.
// Usage: node burn.mjs <cpuMs> [hold] [allocMB]
// CPU is measured with process.cpuUsage(), so the amount does not depend on how busy the machine is.
const [cpuMs = '0', mode = 'exit', allocMb = '0'] = process.argv.slice(2)
const target = Number(cpuMs) * 1000
if (!Number.isFinite(target) || target < 0) {
  process.stderr.write(`burn.mjs: cpuMs must be a non-negative number, got '${cpuMs}'\n`)
  process.exit(2)
}
// Touched memory, so it is resident (RSS), not just reserved.
const keep = Buffer.alloc(Number(allocMb) * 1024 * 1024, 1)
const start = process.cpuUsage()
let x = 0
for (;;) {
  const u = process.cpuUsage(start)
  if (u.user + u.system >= target) break
  for (let i = 0; i < 10000; i++) x = (x * 31 + i) % 1000003
}
process.stdout.write(`burned ${cpuMs} ms ${x > -1 ? '' : ' '}(${keep.length} bytes kept)\n`)
if (mode === 'hold') {
  // Bounded: the test kills the group long before this; never outlive a forgotten test by much.
  setTimeout(() => process.exit(0), 60_000)
} else {
  process.exit(0)
}
