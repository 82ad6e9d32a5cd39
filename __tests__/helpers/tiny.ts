/** Helpers around __tests__/helpers/tiny-server.mjs for tests that need a real HTTP server process. */
import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/** Absolute path of the tiny server script. */
export const TINY_SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tiny-server.mjs')

/** A tiny server started directly (not through src/service) for the load tests. */
export interface TinyServer {
  port: number
  child: ChildProcess
  /** SIGKILL and wait for exit; safe to call twice. */
  kill(): Promise<void>
}

/** Start tiny-server.mjs on a random port with TINY_FAULT=`fault` and wait for its "listening" line. */
export async function startTiny(fault = '', timeoutMs = 10_000): Promise<TinyServer> {
  const child = spawn(process.execPath, [TINY_SERVER], {
    env: { ...process.env, PORT: '0', TINY_FAULT: fault },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let buf = ''
      const timer = setTimeout(
        () => reject(new Error(`tiny server (fault '${fault}') did not print "listening" within ${timeoutMs} ms`)),
        timeoutMs
      )
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString()
        const m = /listening (\d+)/.exec(buf)
        if (m) {
          clearTimeout(timer)
          resolve(Number(m[1]))
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`tiny server exited early with code ${code}`))
      })
    })
    child.stdout!.resume()
    return { port, child, kill }
  } catch (e) {
    await kill()
    throw e
  }
}

/**
 * Whether `pid` is still running. A zombie counts as dead: on machines whose PID 1 does not
 * reap orphans (this firecracker VM, many containers) a killed orphan stays a zombie forever,
 * and `process.kill(pid, 0)` keeps succeeding on it.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw e
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

/** Poll `cond` every 20 ms until true or `ms` elapsed; returns the last value. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() >= deadline) return false
    await new Promise((r) => setTimeout(r, 20))
  }
  return true
}

/** The tiny servers of one test file: `start` boots one, `killAll` (for afterAll) stops every one started. */
export function tinyPool(): { start: (fault?: string) => Promise<TinyServer>; killAll: () => Promise<void> } {
  const servers: TinyServer[] = []
  return {
    start: async (fault = '') => {
      const s = await startTiny(fault)
      servers.push(s)
      return s
    },
    killAll: async () => {
      await Promise.all(servers.map((s) => s.kill()))
    }
  }
}
