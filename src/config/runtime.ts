/**
 * Which runtime a service runs on, as far as the warm-up needs to know, read from its start commands and
 * environment. Pure. Only the JVM is told apart: its start-up is measured in minutes of load, not seconds.
 *
 * Measured on the reference 2-core VM (2026-12-07, bench/results/designs.jsonl, Java agent fixture at 1 %,
 * `round-design: alternating`): QPS overhead 22.0 % with the steady rule and a 30 s cap (the cap ended 3 of
 * 4 traced warm-ups), 21.3 % / 18.8 % after 60 s of load, 16.4 % after 120 s. The agent's traced arm keeps
 * climbing slowly for well over a minute (C2 compiling the woven classes), slowly enough that a 3 s / 3 %
 * steady rule reads it as steady long before. So a JVM gets at least 120 s of load before the rule may end
 * its warm-up; the other fixtures (Go, Node, Python) were steady by the rule within 7-28 s.
 */

export type WarmupRuntime = 'jvm' | 'other'

/** `warmup-min` / `warmup-cap` when `auto`, per runtime: seconds of load per process. */
export const AUTO_WARMUP: Readonly<Record<WarmupRuntime, { minSec: number; capSec: number }>> = {
  jvm: { minSec: 120, capSec: 150 },
  other: { minSec: 0, capSec: 30 }
}

/** JVM launchers and wrappers, by the basename of a command's first word. */
const JVM_LAUNCHERS = new Set(['java', 'java.exe', 'javaw', 'mvn', 'mvnw', 'gradle', 'gradlew', 'sbt', 'lein'])

/** Variables the JVM reads its options from: a `-javaagent` there means a JVM even behind a shell script. */
const JVM_OPTION_VARS = ['JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', '_JAVA_OPTIONS', 'JAVA_OPTS']

function firstWord(command: string): string {
  // Skip `env`, `exec`, `nice` and VAR=value prefixes, which only wrap the program.
  const words = command.trim().split(/\s+/)
  for (const w of words) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) continue
    const base =
      w
        .replace(/^["']|["']$/g, '')
        .split(/[\\/]/)
        .pop() ?? ''
    if (base === 'env' || base === 'exec' || base === 'nice' || base === 'taskset' || base === 'time') continue
    return base
  }
  return ''
}

/** `jvm` when any of the commands launches a JVM or the environment hands one an agent; else `other`. */
export function detectRuntime(commands: readonly string[], env: Readonly<Record<string, string>> = {}): WarmupRuntime {
  for (const c of commands) {
    if (JVM_LAUNCHERS.has(firstWord(c).toLowerCase())) return 'jvm'
    if (/(^|\s)-javaagent:|(^|\s)-jar\s+\S+\.jar\b/.test(c)) return 'jvm'
  }
  if (JVM_OPTION_VARS.some((v) => /-javaagent:/.test(env[v] ?? ''))) return 'jvm'
  return 'other'
}

/**
 * `process-offset: auto`, per runtime: the SD of a fresh process's lifelong speed offset (QPS, as a
 * fraction), the prior of analysis/boots.ts for processes kept across blocks. Measured with
 * bench/probes/process-offset.mjs on the reference 2-core VM (fresh A/A pairs measured in alternating 1 s
 * slices; the offset is what their pair means scatter beyond the slices' own noise; 10 pairs × 8 cycles,
 * Java 6 pairs after 120 s; bench/results/process-offset.jsonl, 2026-12-06 22:06 and 2026-12-07
 * 06:41-07:43 UTC): Node untraced 0.9 %, Node traced at 1 % 1.66 % (the only one whose pair offset is
 * clearly above 0: 90 % CI 1.3-4.5 % per pair), Python 1.1 % (traced 0.5 %), Gin 0.65 % (traced 0.17 %),
 * Java untraced 0.69 %. `other` takes 1.4 %, so that an off/traced pair's prior (1.4 % × √2 = 2.0 %) covers
 * the Node pair's measured 1.9 % (√(0.9² + 1.66²)); the JVM takes 1 % (measured 0.69 % untraced; its traced
 * offset is not measured). A service whose boots scatter more is caught by the boots' own estimate.
 */
export const AUTO_PROCESS_OFFSET: Readonly<Record<WarmupRuntime, number>> = {
  jvm: 0.01,
  other: 0.014
}
