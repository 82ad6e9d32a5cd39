/** The mermaid xychart-beta pictures of the report: labels, escaping, axis range, syntax shape. */
import { armChartLabel, barChart, chartText, niceCeiling, renderChart } from '../../../src/report/chart.js'
import type { ArmSummary } from '../../../src/results/summary.js'

function summary(
  armId: string,
  samplingRate: number | null,
  qps: number,
  p99Us: number,
  cpuSecPerKReq?: number
): ArmSummary {
  return {
    armId,
    label: armId,
    samplingRate,
    rounds: 3,
    qps,
    qpsCv: 0.02,
    p50Us: p99Us / 3,
    p95Us: p99Us / 1.5,
    p99Us,
    p999Us: p99Us * 1.5,
    failed: 0,
    requests: 1000,
    spans: 0,
    exportRequests: 0,
    otlpBytes: 0,
    spansPerRequest: 0,
    otlpBytesPerSec: 0,
    storageMBPerHour: 0,
    ...(cpuSecPerKReq !== undefined
      ? { resources: { cpuSecPerKReq, cpuPctAvg: 95, cpuPctPeak: 100, rssAvgBytes: 8e7, rssPeakBytes: 9e7 } }
      : {})
  }
}

/** The lines of each ```mermaid block. */
function blocks(md: string): string[][] {
  return [...md.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1].split('\n'))
}

describe('armChartLabel', () => {
  test.each([
    ['off', null, 'off'],
    ['on@0.01', 0.01, '1%'],
    ['on@1', 1, '100%'],
    ['on@0.001', 0.001, '0.1%'],
    ['on@0', 0, '0%'],
    ['base/off', null, 'base off'],
    ['base/on@0.01', 0.01, 'base 1%'],
    ['adaptive', null, 'adaptive'],
    ['a-very-long-custom-arm-name-indeed', null, 'a-very-long-custom-arm-…']
  ])('%s (rate %p) → %j', (armId, rate, label) => {
    expect(armChartLabel({ armId, samplingRate: rate })).toBe(label)
  })
})

describe('chartText: safe inside a mermaid "…" string inside a ``` fence', () => {
  test.each([
    ['say "hi"', "say 'hi'"],
    ['a```b', "a'''b"],
    ['line\nbreak\ttab', 'line break tab'],
    ['  spaced   out  ', 'spaced out'],
    ['x'.repeat(30), 'x'.repeat(30)]
  ])('%j → %j', (input, out) => {
    expect(chartText(input)).toBe(out)
  })

  test('cut to a maximum of code points (never inside a surrogate pair)', () => {
    expect(chartText('x'.repeat(30), 24)).toBe(`${'x'.repeat(23)}…`)
    expect(chartText('😀'.repeat(30), 24)).toBe(`${'😀'.repeat(23)}…`)
    expect(chartText('x'.repeat(24), 24)).toBe('x'.repeat(24))
  })
})

describe('niceCeiling', () => {
  test.each([
    [1, 1],
    [1.1, 2],
    [2.2, 2.5],
    [3, 5],
    [7, 10],
    [56100, 100000],
    [13200, 20000],
    [0.0423, 0.05],
    [0.5, 0.5],
    [0, 1],
    [NaN, 1]
  ])('%p → %p', (x, nice) => {
    expect(niceCeiling(x)).toBe(nice)
  })
})

describe('barChart', () => {
  test('exact syntax: init sizing, xychart-beta, quoted categories, 0-based y-axis, bar series', () => {
    expect(barChart('QPS per arm', 'requests/s', ['off', '1%'], [51234.4, 11000], 0)).toBe(
      [
        '```mermaid',
        '%%{init: {"xyChart": {"width": 640, "height": 260, "showDataLabel": true}}}%%',
        'xychart-beta',
        '    title "QPS per arm"',
        '    x-axis ["off", "1%"]',
        '    y-axis "requests/s" 0 --> 100000',
        '    bar [51234, 11000]',
        '```'
      ].join('\n')
    )
  })

  test('decimals without exponent notation or trailing zeros', () => {
    const lines = barChart('t', 'ms', ['a', 'b', 'c'], [2.5, 0.000012, 10], 2).split('\n')
    expect(lines).toContain('    bar [2.5, 0, 10]')
    expect(lines).toContain('    y-axis "ms" 0 --> 20')
  })

  test('labels and values must pair up', () => {
    expect(() => barChart('t', 'y', ['a'], [1, 2], 0)).toThrow("chart 't': 1 labels but 2 values")
  })
})

describe('renderChart', () => {
  const arms = [
    summary('off', null, 13120, 4350),
    summary('on@0.01', 0.01, 10450, 5620),
    summary('on@1', 1, 8760, 7010)
  ]

  test('QPS and P99 charts with the same categories', () => {
    const bs = blocks(renderChart(arms))
    expect(bs).toHaveLength(2)
    for (const b of bs) {
      expect(b[1]).toBe('xychart-beta')
      expect(b).toContain('    x-axis ["off", "1%", "100%"]')
    }
    expect(bs[0]).toContain('    bar [13120, 10450, 8760]')
    expect(bs[0]).toContain('    y-axis "requests/s" 0 --> 20000')
    expect(bs[1]).toContain('    bar [4.35, 5.62, 7.01]')
    expect(bs[1]).toContain('    y-axis "ms" 0 --> 10')
  })

  test('a third chart with CPU per request only when every arm has CPU data', () => {
    const withCpu = arms.map((s, i) => ({
      ...s,
      resources: {
        cpuSecPerKReq: [0.072, 0.118, 0.161][i],
        cpuPctAvg: 98,
        cpuPctPeak: 100,
        rssAvgBytes: 8e7,
        rssPeakBytes: 9e7
      }
    }))
    const bs = blocks(renderChart(withCpu))
    expect(bs).toHaveLength(3)
    expect(bs[2]).toContain('    title "CPU-seconds per 1,000 requests (lower is better)"')
    expect(bs[2]).toContain('    bar [0.072, 0.118, 0.161]')
    expect(bs[2]).toContain('    y-axis "CPU-s / 1k req" 0 --> 0.2')
    expect(blocks(renderChart([withCpu[0], arms[1]]))).toHaveLength(2)
  })

  test('hostile arm names cannot break out of the string or the fence', () => {
    const md = renderChart([summary('off', null, 100, 1000), summary('x"] \n```\n@team', null, 90, 1100)])
    expect(blocks(md)).toHaveLength(2)
    expect(md.match(/```/g)).toHaveLength(4)
    expect(md).toContain(`    x-axis ["off", "x'] ''' @team"]`)
  })

  test('nothing to draw → empty string', () => {
    expect(renderChart([])).toBe('')
    expect(renderChart([summary('off', null, 0, 1000)])).toBe('')
  })
})
