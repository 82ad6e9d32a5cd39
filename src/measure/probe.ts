/** Loopback probes of the processes the gate starts beside the services (collector, span store). */
import * as http from 'node:http'
import * as net from 'node:net'

const SCRAPE_TIMEOUT_MS = 2000

/** GET `url` and read the whole body (a metrics exposition, a health status); never rejects. */
export function scrape(
  url: string,
  timeoutMs = SCRAPE_TIMEOUT_MS
): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode, body }))
      res.on('error', (e) => resolve({ error: e.message }))
    })
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
  })
}

/** Whether 127.0.0.1:port accepts a TCP connection. */
export function accepts(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port })
    const done = (ok: boolean): void => {
      clearTimeout(timer)
      sock.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    sock.once('connect', () => done(true))
    sock.once('error', () => done(false))
  })
}
