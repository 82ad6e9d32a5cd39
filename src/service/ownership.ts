/**
 * Who listens on a port, from /proc: the LISTEN sockets of /proc/net/tcp{,6} by inode, and the
 * processes holding `socket:[inode]` in /proc/<pid>/fd. Used to prove that a fixed target port
 * (no `{port}` in the URL) is served by the service the gate started, not by an imposter.
 */
import * as fs from 'node:fs'

const TCP_LISTEN = '0A'

/** Inodes of the sockets listening on `port` in a /proc/net/tcp(6) table. Pure. */
export function listeningInodes(table: string, port: number): string[] {
  const out: string[] = []
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 10 || f[3] !== TCP_LISTEN) continue
    const local = f[1]
    const hexPort = local.slice(local.lastIndexOf(':') + 1)
    if (parseInt(hexPort, 16) === port && f[9] !== '0') out.push(f[9])
  }
  return out
}

/** Listening socket inodes on `port` (IPv4 and IPv6), or null without /proc/net/tcp. */
export function listenersOf(port: number): string[] | null {
  let any = false
  const out: string[] = []
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      out.push(...listeningInodes(fs.readFileSync(file, 'utf8'), port))
      any = true
    } catch {
      // tcp6 is absent when IPv6 is disabled.
    }
  }
  return any ? out : null
}

/** Pids holding any of `inodes` open, among the processes whose fds we may read. */
export function holdersOf(inodes: readonly string[]): number[] {
  if (inodes.length === 0) return []
  const wanted = new Set(inodes.map((i) => `socket:[${i}]`))
  const out: number[] = []
  let pids: string[]
  try {
    pids = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))
  } catch {
    return out
  }
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue // gone, or another user's
    }
    for (const fd of fds) {
      let link: string
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        continue
      }
      if (wanted.has(link)) {
        out.push(Number(pid))
        break
      }
    }
  }
  return out
}

/** Who serves a port: only the service's processes, someone else too, or not determinable. */
export type PortOwnership =
  { status: 'owned'; pids: number[] } | { status: 'foreign'; pids: number[] } | { status: 'unknown'; reason: string }

/** Whether `port` is listened on only by processes `isOurs` accepts. */
export function portOwnership(port: number, isOurs: (pid: number) => boolean): PortOwnership {
  const inodes = listenersOf(port)
  if (inodes === null) return { status: 'unknown', reason: 'no /proc/net/tcp on this system' }
  if (inodes.length === 0)
    return { status: 'unknown', reason: `no listening socket on port ${port} is visible in this network namespace` }
  const pids = holdersOf(inodes)
  if (pids.length === 0)
    return {
      status: 'unknown',
      reason: `the socket listening on port ${port} belongs to no process this user can inspect`
    }
  const foreign = pids.filter((p) => !isOurs(p))
  return foreign.length > 0 ? { status: 'foreign', pids: foreign } : { status: 'owned', pids }
}

/** Command line of a pid for messages ('' when unreadable). */
export function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200)
  } catch {
    return ''
  }
}
