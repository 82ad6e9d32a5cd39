/**
 * 10,000 seeded hostile results and history files through the readers that take files from elsewhere:
 * `mode: report` (readResultsFile, runReport) and `baseline-path` (loadBaseline). Each file is read,
 * or refused with a named error and nothing rendered; no crash, no hang, no polluted prototype. A
 * failure prints fast-check's seed and path, so the case replays exactly.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fuzzReaders } from '../../helpers/fuzz.js'

let dir: string
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-fuzz-int-'))))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

test('10,000 seeded mutations: read, or refused with a named error', () => {
  const n = fuzzReaders(dir, 10_000, 20261206)
  // Both outcomes occur: accepted files went through rendering, refused ones through the errors.
  expect(n.accepted).toBeGreaterThan(300)
  expect(n.refused).toBeGreaterThan(3000)
}, 900_000)
