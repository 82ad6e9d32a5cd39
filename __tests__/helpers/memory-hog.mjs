// A service that answers readiness, then allocates without bound (32 MiB every 20 ms, every page
// touched so it is resident): the memory cap must stop it (service/caps.ts), not the runner's OOM killer.
// Env: PORT. Routes: anything → 200 "ok".
import { createServer } from 'node:http'

const held = []
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT ?? '0'), '127.0.0.1', () => {
  console.log('memory-hog: listening, allocating')
  setInterval(() => {
    held.push(Buffer.alloc(32 * 1024 * 1024, 1))
    if (held.length % 8 === 0) console.log(`memory-hog: holding ${held.length * 32} MiB`)
  }, 20)
})
