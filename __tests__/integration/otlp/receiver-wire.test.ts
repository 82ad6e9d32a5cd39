/**
 * The OTLP/HTTP receiver on the wire, byte by byte: keep-alive, pipelining, Expect: 100-continue,
 * HTTP/1.0, HEAD, chunked bodies in pieces, malformed requests, 413 on an open connection. Raw
 * sockets, so nothing a client library does hides what the receiver answers.
 */
import { connect, type Socket } from 'node:net'
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/otlp/receiver.js'
import { SAMPLE, handEncodeRequest } from '../../helpers/otlp.js'

const BODY = Buffer.from(handEncodeRequest(SAMPLE))

function head(lines: string[], body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body])
}

function post(extra: string[] = [], body: Buffer = BODY, version = '1.1'): Buffer {
  return head(
    [
      `POST /v1/traces HTTP/${version}`,
      'Host: x',
      'Content-Type: application/x-protobuf',
      `Content-Length: ${body.length}`,
      ...extra
    ],
    body
  )
}

function chunked(body: Buffer, parts: number): Buffer {
  const step = Math.ceil(body.length / parts)
  const pieces: Buffer[] = [
    Buffer.from(
      'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n',
      'latin1'
    )
  ]
  for (let i = 0; i < body.length; i += step) {
    const part = body.subarray(i, i + step)
    pieces.push(Buffer.from(`${part.length.toString(16)}\r\n`, 'latin1'), part, Buffer.from('\r\n', 'latin1'))
  }
  pieces.push(Buffer.from('0\r\n\r\n', 'latin1'))
  return Buffer.concat(pieces)
}

/** A raw connection: what the server sent so far, and whether it closed. */
class Conn {
  readonly socket: Socket
  data = ''
  closed = false
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1')
    this.socket.on('data', (d: Buffer) => (this.data += d.toString('latin1')))
    this.socket.on('close', () => (this.closed = true))
    this.socket.on('error', () => {})
  }
  /** Waits (bounded) until `pred` holds. */
  async until(pred: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000
    while (!pred()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.data)} closed=${this.closed}`)
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  statuses(): number[] {
    return [...this.data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]))
  }
}

describe('the receiver on raw sockets', () => {
  let receiver: OtlpReceiver
  const conns: Conn[] = []
  const open = (): Conn => {
    const c = new Conn(receiver.port)
    conns.push(c)
    return c
  }
  beforeEach(async () => {
    receiver = await startOtlpReceiver()
  })
  afterEach(async () => {
    for (const c of conns.splice(0)) c.socket.destroy()
    await receiver.close()
  })

  test('keep-alive: three exports on one connection, pipelined in one write, answered in order', async () => {
    const c = open()
    const textPlain = head(
      ['POST /v1/traces HTTP/1.1', 'Host: x', 'Content-Type: text/plain', 'Content-Length: 3'],
      Buffer.from('abc')
    )
    c.socket.write(Buffer.concat([post(), textPlain, post()]))
    await c.until(() => c.statuses().length === 3, 'three answers')
    expect(c.statuses()).toEqual([200, 415, 200])
    expect(c.closed).toBe(false)
    expect(receiver.snapshot()).toMatchObject({ requests: 2, spans: 10, rejected: 1 })
  })

  test('chunked bodies in many pieces, written byte range by byte range, are counted whole', async () => {
    const c = open()
    const wire = chunked(BODY, 7)
    for (let i = 0; i < wire.length; i += 50) {
      c.socket.write(wire.subarray(i, i + 50))
      await new Promise((r) => setTimeout(r, 1))
    }
    await c.until(() => c.statuses().length === 1, 'an answer')
    expect(c.statuses()).toEqual([200])
    expect(receiver.snapshot()).toMatchObject({ requests: 1, spans: 5, bytes: BODY.length })
  })

  test('Expect: 100-continue gets 100 Continue before the body, then 200', async () => {
    const c = open()
    const full = post(['Expect: 100-continue'])
    const split = full.indexOf('\r\n\r\n') + 4
    c.socket.write(full.subarray(0, split))
    await c.until(() => c.data.includes('100 Continue'), '100 Continue')
    c.socket.write(full.subarray(split))
    await c.until(() => c.statuses().includes(200), 'the 200')
    expect(receiver.snapshot()).toMatchObject({ requests: 1, spans: 5 })
  })

  test('HTTP/1.0 without keep-alive: answered, then the connection is closed', async () => {
    const c = open()
    c.socket.write(post([], BODY, '1.0'))
    await c.until(() => c.closed, 'the close')
    expect(c.data).toMatch(/^HTTP\/1\.1 200 /)
    expect(receiver.snapshot()).toMatchObject({ requests: 1, spans: 5 })
  })

  test('404 and 405 answers leave the connection usable', async () => {
    const c = open()
    const bare = (line: string): Buffer => head([line, 'Host: x'], Buffer.alloc(0))
    c.socket.write(
      Buffer.concat([
        head(['POST /v2/x HTTP/1.1', 'Host: x', 'Content-Length: 3'], Buffer.from('abc')),
        bare('GET /v1/traces HTTP/1.1'),
        bare('HEAD /v1/traces HTTP/1.1'),
        post()
      ])
    )
    await c.until(() => c.statuses().length === 4, 'four answers')
    expect(c.statuses()).toEqual([404, 405, 405, 200])
    // The answer to HEAD has no body: the next status line follows its head directly.
    expect(c.data).toMatch(/HTTP\/1\.1 405 [^\r]*\r\n(?:[^\r]+\r\n)*\r\nHTTP\/1\.1 200 /)
    expect(c.data).toMatch(/Allow: POST/i)
  })

  test('a malformed request line gets a 400 (or the connection dropped) and counts nothing', async () => {
    const c = open()
    c.socket.write('THIS IS NOT HTTP\r\n\r\n')
    await c.until(() => c.closed, 'the close')
    expect(c.statuses().every((s) => s === 400)).toBe(true)
    expect(receiver.snapshot()).toMatchObject({ requests: 0, spans: 0 })
  })

  test('a body over the limit on an open connection: 413 and the connection is closed', async () => {
    const small = await startOtlpReceiver({ maxBodyBytes: 1024 })
    try {
      const c = new Conn(small.port)
      conns.push(c)
      c.socket.write(chunked(Buffer.alloc(4096, 1), 8))
      await c.until(() => c.closed, 'the close')
      expect(c.statuses()).toEqual([413])
      expect(small.snapshot()).toMatchObject({ requests: 0, rejected: 1 })
    } finally {
      await small.close()
    }
  })
})
