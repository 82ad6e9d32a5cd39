/**
 * Every file written under output-dir goes through the comment's redaction (results/files.ts), the
 * history included: its earlier runs come from 'baseline-path', written by other jobs.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { writeHistoryFile, writeRunFiles } from '../../../src/results/files.js'
import { clearSecrets, registerSecret } from '../../../src/security/redact.js'
import { sampleResults } from '../../helpers/results.js'

const SECRET = 'history-secret-"quoted"\\value-42'

let dir: string
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-files-'))))
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
  clearSecrets()
})

test('report.md, results.json and history.json never hold a registered secret, quotes and backslashes included', () => {
  registerSecret(SECRET)
  const stored = { ...sampleResults(), reasons: [`stored run printed ${SECRET}`] }
  const current = { ...sampleResults(), error: `this run printed ${SECRET}` }
  const files = writeRunFiles(dir, `# report\n${SECRET}\n`, current)
  const history = writeHistoryFile(dir, [stored], current, 5)
  for (const file of [files.reportPath, files.resultsPath, history]) {
    const text = fs.readFileSync(file, 'utf8')
    expect({
      file: path.basename(file),
      leaked: text.includes(SECRET) || text.includes(JSON.stringify(SECRET).slice(1, -1))
    }).toEqual({
      file: path.basename(file),
      leaked: false
    })
    expect(text).toContain('***')
  }
})
