/**
 * Process-group primitives and the module-level registry of live service groups,
 * so that no service outlives the gate (exit hook, signal hooks, killAllServices).
 */
import * as fs from 'node:fs'
import { killTaggedSync } from './containment.js'

/** Send `signal` to every process of group `pgid`; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw err
  }
}

/**
 * Whether process group `pgid` still has a running (non-zombie) member.
 *
 * `kill(-pgid, 0)` alone is not enough: when a member is orphaned (its parent, e.g. the
 * `sh` leader, died first) it is re-parented to PID 1, and some inits (containers,
 * firecracker VMs such as this dev machine) never reap it. The zombie stays in the group
 * and `kill(-pgid, 0)` keeps succeeding although nothing runs. On Linux we therefore scan
 * /proc for members that are not in state Z; elsewhere we fall back to `kill(-pgid, 0)`.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false
  const members = liveGroupMembers(pgid)
  return members === null ? true : members.length > 0
}

/** Non-zombie pids of group `pgid` from /proc, or null where /proc is unavailable. */
export function liveGroupMembers(pgid: number): number[] | null {
  let entries: string[]
  try {
    entries = fs.readdirSync('/proc')
  } catch {
    return null
  }
  const out: number[] = []
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue
    const stat = readStat(Number(name))
    if (stat !== null && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') out.push(Number(name))
  }
  return out
}

/** State and process group of `pid` from /proc/<pid>/stat, or null if it is gone/unreadable. */
export function readStat(pid: number): { state: string; pgrp: number } | null {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // comm (field 2) may contain spaces and parentheses: parse after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const state = rest[0]
  const pgrp = Number(rest[2])
  if (state === undefined || !Number.isInteger(pgrp)) return null
  return { state, pgrp }
}

/** Whether a single pid is running: gone (ESRCH) and zombies (see groupAlive) count as not running. */
export function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw err
  }
  const stat = readStat(pid)
  // No /proc (macOS): kill(pid, 0) succeeded, so count it as running.
  if (stat === null) return !fs.existsSync('/proc/self/stat')
  return stat.state !== 'Z' && stat.state !== 'X'
}

/** Something the registry can stop gracefully (ServiceHandle.stop). */
export interface RegisteredGroup {
  pgid: number
  /** The start's environment tag (containment.ts): reaches members that left the group. */
  tag?: string
  stop(): Promise<unknown>
}

const registry = new Map<number, RegisteredGroup>()
let exitHookInstalled = false
const HANDLED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
let signalHooksInstalled = false

/** SIGKILL every registered group, synchronously (the only thing allowed in an 'exit' hook). */
export function killAllGroupsSync(): void {
  for (const [pgid, group] of registry) {
    try {
      signalGroup(pgid, 'SIGKILL')
    } catch {
      // Best effort at exit: EPERM cannot happen for our own children; nothing else to do.
    }
    if (group.tag !== undefined) killTaggedSync(group.tag)
  }
}

function onSignal(signal: NodeJS.Signals): void {
  killAllGroupsSync()
  uninstallSignalHooks()
  // Our listener replaced the default action (terminate). If nobody else handles the
  // signal, re-raise it so the process still dies the way the sender intended.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

const signalListeners = new Map<NodeJS.Signals, () => void>(HANDLED_SIGNALS.map((s) => [s, () => onSignal(s)]))

function installHooks(): void {
  if (!exitHookInstalled) {
    process.on('exit', killAllGroupsSync)
    exitHookInstalled = true
  }
  // The detached groups do not receive the runner's cancellation signal (it goes to our
  // process only), so forward it while services are alive. Removed again when none are,
  // so that we do not change the process' signal behaviour when idle.
  if (!signalHooksInstalled) {
    for (const [sig, fn] of signalListeners) process.on(sig, fn)
    signalHooksInstalled = true
  }
}

function uninstallSignalHooks(): void {
  if (!signalHooksInstalled) return
  for (const [sig, fn] of signalListeners) process.removeListener(sig, fn)
  signalHooksInstalled = false
}

let accepting = true

/**
 * After a cancellation no service may start any more (an abandoned engine may still be on its way to
 * a boot): startService refuses, and a group registered meanwhile is killed at once.
 */
export function stopAcceptingGroups(): void {
  accepting = false
}

/** Allow starts again (a new run in the same process). */
export function resumeAcceptingGroups(): void {
  accepting = true
}

/** Whether services may start (false after a cancellation). */
export function acceptingGroups(): boolean {
  return accepting
}

/** Track a live group so the exit/signal hooks and killAllServices reach it. */
export function registerGroup(group: RegisteredGroup): void {
  registry.set(group.pgid, group)
  installHooks()
  if (!accepting) {
    // Spawned in the window after the cancellation: no graceful stop, the job is being torn down.
    signalGroup(group.pgid, 'SIGKILL')
    if (group.tag !== undefined) killTaggedSync(group.tag)
  }
}

/** Forget a group once it is gone. */
export function unregisterGroup(pgid: number): void {
  registry.delete(pgid)
  if (registry.size === 0) uninstallSignalHooks()
}

/** Gracefully stop every registered group (concurrently); rejects with the first failure after all settle. */
export async function stopAllGroups(): Promise<void> {
  const results = await Promise.allSettled([...registry.values()].map((g) => g.stop()))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
}

/** Number of registered groups (for tests and diagnostics). */
export function registeredGroupCount(): number {
  return registry.size
}
