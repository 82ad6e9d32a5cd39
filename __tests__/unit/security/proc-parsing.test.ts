import { listeningInodes } from '../../../src/service/ownership.js'
import { environHasTag, ROUND_TAG_VAR } from '../../../src/service/containment.js'

describe('/proc/net/tcp parsing', () => {
  const table = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:0BB8 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 222 1 0000000000000000 20 4 30 10 -1',
    '   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0'
  ].join('\n')

  test('only LISTEN sockets of the port', () => {
    expect(listeningInodes(table, 3000)).toEqual(['111'])
    expect(listeningInodes(table, 8080)).toEqual(['333'])
    expect(listeningInodes(table, 9999)).toEqual([])
  })

  test('IPv6 addresses (tcp6)', () => {
    const t6 = `header\n   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 444 1`
    expect(listeningInodes(t6, 3000)).toEqual(['444'])
  })
})

describe('environ tag', () => {
  test('exact NAME=value entry only', () => {
    const env = `PATH=/bin\0${ROUND_TAG_VAR}=abc123\0HOME=/root\0`
    expect(environHasTag(Buffer.from(env), 'abc123')).toBe(true)
    expect(environHasTag(Buffer.from(env), 'abc')).toBe(false)
    expect(environHasTag(`X_${ROUND_TAG_VAR}=abc123\0`, 'abc123')).toBe(false)
  })
})
