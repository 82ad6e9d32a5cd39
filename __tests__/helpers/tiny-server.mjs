// A tiny HTTP server for the service and load tests (no dependencies, starts in ~50 ms).
//
// Env:
//   PORT          port to listen on (0 = any; the chosen port is printed as "listening <port>")
//   PID_FILE      if set, this process writes its pid there once listening
//   TINY_FAULT    exit-early | never-ready | crash-after=<ms> | http-500 | hang | ignore-sigterm
//                 (same spirit as fixtures/http-service's FIXTURE_FAULT, plus hang/ignore-sigterm)
// Routes: GET /ready → 200 "ready" (503 under never-ready); anything else → 200 "ok"
// (500 under http-500, no answer at all under hang).
import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'

const fault = process.env.TINY_FAULT ?? ''
const port = Number(process.env.PORT ?? '0')

if (fault === 'exit-early') {
  console.error('tiny-server: fatal: boom (exit-early fault)')
  process.exit(3)
}
if (fault === 'ignore-sigterm') {
  process.on('SIGTERM', () => console.log('tiny-server: ignoring SIGTERM'))
} else {
  process.on('SIGTERM', () => {
    console.log('tiny-server: SIGTERM, closing')
    server.closeAllConnections?.()
    server.close(() => process.exit(0))
  })
}

const server = createServer((req, res) => {
  if (req.url === '/ready') {
    res.statusCode = fault === 'never-ready' ? 503 : 200
    res.end(fault === 'never-ready' ? 'not ready' : 'ready')
    return
  }
  if (fault === 'hang') return // never answer: the client must time out
  res.statusCode = fault === 'http-500' ? 500 : 200
  res.end(fault === 'http-500' ? 'error' : 'ok')
})

server.on('error', (err) => {
  // e.g. "Error: listen EADDRINUSE: address already in use 127.0.0.1:1234"
  console.error(String(err))
  process.exit(1)
})

server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port
  if (process.env.PID_FILE) writeFileSync(process.env.PID_FILE, String(process.pid))
  console.log(`listening ${actual}`)
  const m = /^crash-after=(\d+)$/.exec(fault)
  if (m) {
    setTimeout(() => {
      console.error('tiny-server: crashing on purpose (crash-after fault)')
      process.exit(7)
    }, Number(m[1]))
  }
})
