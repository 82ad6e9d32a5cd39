import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ResultsFile } from './results.js'

function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
}

/** Write the markdown report and the results JSON into the output directory; returns their absolute paths. */
export function writeRunFiles(outputDir: string, markdown: string, results: ResultsFile): { reportPath: string; resultsPath: string } {
  const reportPath = path.resolve(outputDir, 'report.md')
  const resultsPath = path.resolve(outputDir, 'results.json')
  writeFile(reportPath, markdown)
  writeFile(resultsPath, `${JSON.stringify(results, null, 2)}\n`)
  return { reportPath, resultsPath }
}
