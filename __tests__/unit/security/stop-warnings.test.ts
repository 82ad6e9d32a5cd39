import { serviceStopWarnings } from '../../../src/report/warnings.js'

describe('serviceStopWarnings', () => {
  test('a service that ignored SIGTERM: count, time cost and the fix', () => {
    const [w] = serviceStopWarnings({ stops: 6, forcedKills: 6, graceSec: 5, waitedSec: 30, escaped: 0 })
    expect(w).toContain('ignored SIGTERM')
    expect(w).toContain('6 of 6 stops')
    expect(w).toContain('30 s of wall time')
    expect(w).toMatch(/exit on SIGTERM after flushing/)
  })

  test('escaped processes', () => {
    const ws = serviceStopWarnings({ stops: 3, forcedKills: 0, graceSec: 5, waitedSec: 0, escaped: 3 })
    expect(ws).toHaveLength(1)
    expect(ws[0]).toContain('3 service process(es) left the process group')
  })

  test('clean stops or no record: nothing', () => {
    expect(serviceStopWarnings({ stops: 6, forcedKills: 0, graceSec: 5, waitedSec: 0, escaped: 0 })).toEqual([])
    expect(serviceStopWarnings(undefined)).toEqual([])
  })
})
