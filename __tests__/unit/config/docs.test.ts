import * as fs from 'node:fs'
import { renderActionYml, updateReadme } from '../../../src/config/docs.js'
import { INPUT_GROUPS } from '../../../src/config/groups.js'
import { INPUT_SPECS } from '../../../src/config/inputs.js'
import { VERSION } from '../../../src/version.js'

// action.yml and the README's input table are generated from src/config/inputs.ts; a drift fails here.
// Regenerate with: UPDATE_DOCS=1 npm test -- __tests__/unit/config/docs.test.ts
const update = process.env.UPDATE_DOCS === '1'

test('action.yml matches the input table', () => {
  const expected = renderActionYml()
  if (update) fs.writeFileSync('action.yml', expected)
  expect(fs.readFileSync('action.yml', 'utf8')).toBe(expected)
})

test('README input and output tables match the input table', () => {
  const readme = fs.readFileSync('README.md', 'utf8')
  const expected = updateReadme(readme)
  if (update) fs.writeFileSync('README.md', expected)
  expect(fs.readFileSync('README.md', 'utf8')).toBe(expected)
})

test('VERSION follows package.json', () => {
  expect(JSON.parse(fs.readFileSync('package.json', 'utf8')).version).toBe(VERSION)
})

test('every input is in exactly one group of action.yml and the README', () => {
  const grouped = INPUT_GROUPS.flatMap((g) => g.inputs)
  expect([...grouped].sort()).toEqual(INPUT_SPECS.map((s) => s.name).sort())
  expect(new Set(grouped).size).toBe(grouped.length)
  // The README folds the advanced groups away: there must be some, and start-command must not be one.
  const everyday = INPUT_GROUPS.filter((g) => !g.advanced).flatMap((g) => g.inputs)
  expect(everyday).toContain('start-command')
  expect(everyday.length).toBeLessThan(INPUT_SPECS.length)
})
