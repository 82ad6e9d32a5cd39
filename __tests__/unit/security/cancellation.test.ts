import { EventEmitter } from 'node:events'
import { CancelledError, watchCancellation } from '../../../src/service/cancellation.js'

describe('watchCancellation', () => {
  test('the first signal aborts with CancelledError and resolves; later ones are ignored; dispose removes the listeners', async () => {
    const src = new EventEmitter()
    const c = watchCancellation(src as never)
    expect(c.signal.aborted).toBe(false)
    expect(src.listenerCount('SIGTERM')).toBe(1)
    src.emit('SIGINT')
    src.emit('SIGTERM')
    await expect(c.cancelled).resolves.toBe('SIGINT')
    expect(c.signal.aborted).toBe(true)
    expect(c.signal.reason).toBeInstanceOf(CancelledError)
    expect((c.signal.reason as CancelledError).signal).toBe('SIGINT')
    c.dispose()
    expect(src.listenerCount('SIGTERM') + src.listenerCount('SIGINT')).toBe(0)
  })
})
