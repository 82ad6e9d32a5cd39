/**
 * The README's "What the PR comment looks like" is an excerpt of a real report: every quoted line must be
 * a line of the report rendered now from the committed results file of that run, so the excerpt follows
 * the renderer and cannot be edited into something the gate never printed.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { reportFromResults } from '../../../src/report/assemble.js'
import { renderReport } from '../../../src/report/markdown.js'
import { readResultsFile } from '../../../src/results/read.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const RESULTS = path.join(ROOT, 'docs', 'example', 'node-same-job.results.json')

test('every quoted line of the README excerpt is a line of the report rendered from its results file', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')
  const section = /^## What the PR comment looks like\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? ''
  expect(section).toContain('docs/example/node-same-job.results.json')
  const quoted = section
    .split('\n')
    .filter((l) => l.startsWith('> '))
    .map((l) => l.slice(2).trimEnd())
    // Placeholders for what the excerpt leaves out, in italics in parentheses.
    .filter((l) => !/^\*\(.*\)\*$/.test(l))
  expect(quoted.length).toBeGreaterThan(10)
  const rendered = new Set(
    renderReport(reportFromResults(readResultsFile(RESULTS)))
      .split('\n')
      .map((l) => l.trimEnd())
  )
  expect(quoted.filter((l) => !rendered.has(l))).toEqual([])
})
