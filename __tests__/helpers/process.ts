/**
 * Process and port helpers shared by the integration tests that start fixtures (one copy each:
 * they used to be re-written per folder).
 */
import type { ChildProcess } from 'node:child_process'

/** A port on 127.0.0.1 that was free a moment ago (the caller binds it right after): the gate's own probe. */
export { findFreePort as freePort } from '../../src/service/service.js'

/**
 * A copy of `env` for a fixture process: without OTEL_* and FIXTURE_* (they would blur the arms),
 * NODE_OPTIONS (jest's --experimental-vm-modules) and PORT (the test sets its own).
 */
export function scrubbedEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !/^(OTEL_|FIXTURE_)/.test(k) && k !== 'NODE_OPTIONS' && k !== 'PORT') out[k] = v
  }
  return out
}

/** Last resort for finally blocks: SIGKILL the whole process group of a detached child, if anything is left. */
export function killGroup(f: { child: ChildProcess } | undefined): void {
  if (f?.child.pid === undefined) return
  try {
    process.kill(-f.child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
}
