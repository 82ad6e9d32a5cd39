import * as core from '@actions/core'
import { markdownTable } from 'markdown-table'
import { tQuantile } from '../../src/stats/distributions.js'
test('toolchain', () => {
  expect(typeof core.getInput).toBe('function')
  expect(markdownTable([['a'], ['1']])).toContain('| a |')
  expect(tQuantile(0.975, 7)).toBeCloseTo(2.364624, 5)
})
