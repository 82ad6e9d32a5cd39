import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ResultsFile } from './results.js'
import { appendRun } from './history.js'
import { redact, redactDeep } from '../security/redact.js'

/**
 * Every file the gate writes under output-dir goes through here, and through the same redaction as the
 * comment: teams upload that folder as an artifact, readable by anyone on a public repository.
 */
function writeFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, redact(text))
}

/** JSON with every string redacted before serialising (a secret with a quote or backslash is escaped in the text). */
function jsonText(value: unknown): string {
  return `${JSON.stringify(redactDeep(value), null, 2)}\n`
}

/** Write the markdown report and the results JSON into the output directory; returns their absolute paths. */
export function writeRunFiles(
  outputDir: string,
  markdown: string,
  results: ResultsFile
): { reportPath: string; resultsPath: string } {
  const reportPath = path.resolve(outputDir, 'report.md')
  const resultsPath = path.resolve(outputDir, 'results.json')
  writeFile(reportPath, markdown)
  writeFile(resultsPath, jsonText(results))
  return { reportPath, resultsPath }
}

/**
 * Write history.json: the stored main history that was loaded plus this run (the newest `keep`), for a
 * workflow on main to store as the next baseline. Returns its absolute path.
 */
export function writeHistoryFile(
  outputDir: string,
  previous: readonly ResultsFile[],
  results: ResultsFile,
  keep: number
): string {
  const historyPath = path.resolve(outputDir, 'history.json')
  writeFile(historyPath, jsonText(appendRun(previous, results, keep)))
  return historyPath
}
