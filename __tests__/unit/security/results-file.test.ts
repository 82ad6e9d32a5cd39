import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  loadBaseline,
  readJsonFile,
  readResultsFile,
  ResultsValidationError,
  UnreadableFileError
} from '../../../src/results/read.js'
import type { ResultsFile } from '../../../src/results/results.js'
import { sampleResults } from '../../helpers/results.js'

const goodResults = (): ResultsFile => sampleResults()

let dir: string
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-results-'))))
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

function write(json: unknown): string {
  const file = path.join(dir, 'results.json')
  fs.writeFileSync(file, JSON.stringify(json))
  return file
}

function fieldError(json: unknown): ResultsValidationError {
  try {
    readResultsFile(write(json))
  } catch (e) {
    if (e instanceof ResultsValidationError) return e
    throw e
  }
  throw new Error('accepted')
}

describe('mode: report validates every rendered field of the artifact', () => {
  test('a file the gate wrote is accepted, through JSON', () => {
    expect(readResultsFile(write(goodResults())).comparisons).toHaveLength(1)
  })

  test.each<[string, (r: any) => void, string]>([
    ['comparison arm id', (r) => (r.comparisons[0].armId = { evil: 1 }), 'comparisons[0].armId'],
    ['comparison kind', (r) => (r.comparisons[0].kind = 'pwn'), 'comparisons[0].kind'],
    ['comparison decision', (r) => (r.comparisons[0].decision = 'maybe'), 'comparisons[0].decision'],
    ['comparison overhead', (r) => (r.comparisons[0].overhead = 'big'), 'comparisons[0].overhead'],
    ['reasons', (r) => (r.reasons = [42]), 'reasons[0]'],
    ['error', (r) => (r.error = ['x']), 'error'],
    ['plan arm label', (r) => (r.plan.arms[0].label = null), 'plan.arms[0].label'],
    ['plan arm env', (r) => (r.plan.arms[0].env = { A: 1 }), 'plan.arms[0].env.A'],
    ['plan steps', (r) => (r.plan.steps = 'all'), 'plan.steps'],
    ['plan reference', (r) => delete r.plan.referenceArmId, 'plan.referenceArmId'],
    ['round latency', (r) => (r.rounds[0].load.latency.p50Us = 'fast'), 'rounds[0].load.latency.p50Us'],
    ['round otlp', (r) => delete r.rounds[0].otlp, 'rounds[0].otlp'],
    ['verdict', (r) => (r.verdict = 'pwned'), 'verdict'],
    ['baseline status', (r) => (r.baseline.status = 'great'), 'baseline.status'],
    ['baseline message', (r) => (r.baseline.message = { x: 1 }), 'baseline.message'],
    ['git ref', (r) => (r.git.ref = 5), 'git.ref'],
    ['machine os', (r) => (r.machine.os = 5), 'machine.os'],
    ['pinning', (r) => (r.pinning = null), 'pinning'],
    ['settings service name', (r) => (r.settings.serviceName = 1), 'settings.serviceName'],
    ['huge string', (r) => (r.reasons = ['x'.repeat(50_000)]), 'reasons[0]'],
    ['timing', (r) => (r.timing.wallSec = 'long'), 'timing.wallSec'],
    ['service stops', (r) => (r.serviceStops = { stops: 1 }), 'serviceStops.forcedKills']
  ])('%s', (_name, mutate, field) => {
    const r = JSON.parse(JSON.stringify(goodResults()))
    mutate(r)
    const e = fieldError(r)
    expect(e.field).toBe(field)
    expect(e.message).toContain(`'${field}'`)
  })
})

describe('results and baseline paths: no symlinks, no system files, no echo of the content', () => {
  test('a symlink to /etc/passwd is refused without quoting it', () => {
    const link = path.join(dir, 'baseline.json')
    fs.symlinkSync('/etc/passwd', link)
    expect(() => readJsonFile(link)).toThrow(UnreadableFileError)
    expect(() => readJsonFile(link)).toThrow(/is a symbolic link/)
    const loaded = loadBaseline(link)
    expect(loaded.status).toBe('unusable')
    expect(JSON.stringify(loaded)).not.toContain('root:')
  })

  test('a directory or device is not a regular file', () => {
    expect(() => readJsonFile(dir)).toThrow(/is not a regular file/)
    expect(() => readJsonFile('/dev/null')).toThrow(/is not a regular file/)
  })

  test('a file that is not JSON: position only, never its text', () => {
    const file = path.join(dir, 'r.json')
    fs.writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\n')
    let msg = ''
    try {
      readJsonFile(file)
    } catch (e) {
      msg = (e as Error).message
    }
    expect(msg).toMatch(/is not valid JSON/)
    expect(msg).not.toContain('root:x')
    const loaded = loadBaseline(file)
    expect(loaded.status).toBe('malformed')
    expect(JSON.stringify(loaded)).not.toContain('root:x')
  })

  test('a missing baseline is still "missing"', () => {
    expect(loadBaseline(path.join(dir, 'none.json')).status).toBe('missing')
  })
})
