import * as core from '@actions/core'
import { markdownTable } from 'markdown-table'
import quantile from '@stdlib/stats-base-dists-t-quantile'
test('toolchain', () => {
  expect(typeof core.getInput).toBe('function')
  expect(markdownTable([['a'], ['1']])).toContain('| a |')
  expect(quantile(0.975, 7)).toBeCloseTo(2.364624, 5)
})
