/**
 * The action's `config-file` input: `with:` (non-default) > file > defaults, paths from the file relative
 * to the file, and errors naming the input or the key. Pure merges first, then run() in-process with
 * stand-ins for @actions/core and the octokit in `mode: report` (nothing is measured or spawned).
 */
import { jest } from '@jest/globals'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as core from '../../../__fixtures__/core.js'
import { fakeOctokit, githubModule } from '../../../__fixtures__/octokit.js'

const fake = fakeOctokit()
jest.unstable_mockModule('@actions/core', () => core)
jest.unstable_mockModule('@actions/github', () => githubModule(fake.octokit))

const { run } = await import('../../../src/main.js')
const { mergeWithFile, withConfigFile } = await import('../../../src/action-inputs.js')
const { parseConfig } = await import('../../../src/config/config.js')
const { INPUT_SPECS } = await import('../../../src/config/inputs.js')
const { sampleResults } = await import('../../helpers/results.js')

/** What the runner passes when a workflow sets only `given`: every other input at its action.yml default. */
function runnerInputs(given: Record<string, string>): Record<string, string> {
  return { ...Object.fromEntries(INPUT_SPECS.map((s) => [s.name, s.default])), ...given }
}

describe('mergeWithFile: with: (non-default) > file > defaults', () => {
  const file = { rounds: '12', connections: '20', 'max-qps-overhead': 'none', 'output-dir': 'out' }

  test.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    ['a with: value other than the default wins', { rounds: '9' }, { rounds: '9' }, ['rounds']],
    ['a with: value equal to the default counts as not given', { rounds: '8' }, { rounds: '12' }, []],
    ['an empty with: value counts as not given', { connections: '' }, { connections: '20' }, []],
    ['the file beats a default', {}, { 'max-qps-overhead': 'none', connections: '20' }, []]
  ])('%s', (_name, given, expected, overridden) => {
    const merged = mergeWithFile(runnerInputs(given), file, '/repo/.github')
    expect(merged.raw).toMatchObject(expected)
    expect(merged.overridden).toEqual(overridden)
    expect(merged.fromFile.sort()).toEqual(
      Object.keys(file)
        .filter((k) => !overridden.includes(k))
        .sort()
    )
  })

  test("inputs the file does not name keep with:'s value", () => {
    const merged = mergeWithFile(runnerInputs({ 'start-command': 'node s.js' }), file, '/repo/.github')
    expect(merged.raw['start-command']).toBe('node s.js')
    expect(merged.raw['sampling-rates']).toBe('0.01,1')
  })

  test('paths from the file are relative to its folder; paths in with: are left to the workspace', () => {
    const fromFile = mergeWithFile(
      runnerInputs({}),
      { 'output-dir': 'out', 'baseline-path': '/abs/h.json' },
      '/r/.github'
    )
    expect(fromFile.raw['output-dir']).toBe('/r/.github/out')
    expect(fromFile.raw['baseline-path']).toBe('/abs/h.json')
    const fromWith = mergeWithFile(runnerInputs({ 'output-dir': 'mine' }), { 'output-dir': 'out' }, '/r/.github')
    expect(fromWith.raw['output-dir']).toBe('mine')
  })

  test('the merged inputs parse like with: alone would', () => {
    const config = parseConfig(
      mergeWithFile(runnerInputs({ 'start-command': 'node s.js', rounds: '9' }), file, '/repo/.github').raw
    )
    expect(config.rounds).toBe(9)
    expect(config.connections).toBe(20) // from the file
    expect(config.maxQpsOverhead).toBeNull()
    expect(config.outputDir).toBe('/repo/.github/out')
  })
})

describe('withConfigFile', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-action-config-'))
  })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('without config-file the inputs are returned as they are', () => {
    const inputs = runnerInputs({ 'start-command': 'x' })
    expect(withConfigFile(inputs, dir, () => {})).toBe(inputs)
  })

  test('reads the file relative to the workspace and logs what came from where', () => {
    fs.mkdirSync(path.join(dir, '.github'))
    fs.writeFileSync(path.join(dir, '.github', 'gate.yaml'), 'rounds: 12\nsampling-rates: [0.5]\n')
    const logs: string[] = []
    const raw = withConfigFile(runnerInputs({ 'config-file': '.github/gate.yaml', 'sampling-rates': '1' }), dir, (m) =>
      logs.push(m)
    )
    expect(raw).toMatchObject({ rounds: '12', 'sampling-rates': '1' })
    expect(logs).toEqual(['config file .github/gate.yaml: rounds from the file; sampling-rates set in with: instead'])
  })

  test('a missing file names the input, the value and where it looked', () => {
    expect(() => withConfigFile(runnerInputs({ 'config-file': 'nope.yaml' }), dir, () => {})).toThrow(
      `'config-file' must name a YAML or JSON file (relative to the workspace ${dir}), got 'nope.yaml': there is no ${path.join(dir, 'nope.yaml')}`
    )
  })

  test('a bad key names the file and the key, with a suggestion', () => {
    fs.writeFileSync(path.join(dir, 'gate.json'), '{"round": 3}')
    expect(() => withConfigFile(runnerInputs({ 'config-file': 'gate.json' }), dir, () => {})).toThrow(
      `config file '${path.join(dir, 'gate.json')}': unknown key 'round' (did you mean 'rounds'?)`
    )
  })
})

describe('run(): the action reads config-file', () => {
  const HEAD = 'c'.repeat(40)
  let dir: string
  const savedEnv = { ...process.env }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-main-config-'))
    core.resetCore()
    Object.assign(fake.state, { comments: [], calls: [], failWrites: null, failAll: null, pulls: { 12: HEAD } })
    fs.mkdirSync(path.join(dir, 'artifact'))
    fs.writeFileSync(
      path.join(dir, 'artifact', 'results.json'),
      JSON.stringify(sampleResults({ sha: HEAD, prNumber: 12 }))
    )
    const event = path.join(dir, 'event.json')
    fs.writeFileSync(event, JSON.stringify({ workflow_run: { head_sha: HEAD } }))
    Object.assign(process.env, {
      GITHUB_WORKSPACE: dir,
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: event,
      GITHUB_API_URL: 'https://api.github.test',
      GITHUB_WORKFLOW: 'perf comment',
      GITHUB_JOB: 'comment'
    })
  })
  afterEach(() => {
    process.env = { ...savedEnv }
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('report mode from the file: its paths resolve against its folder, with: keeps the comment off', async () => {
    // The file sits in the artifact folder: results-file and output-dir are relative to it.
    fs.writeFileSync(
      path.join(dir, 'artifact', 'gate.yaml'),
      'mode: report\nresults-file: results.json\noutput-dir: out\ncomment: always\n'
    )
    core.useInputs(runnerInputs({ 'config-file': 'artifact/gate.yaml', comment: 'never', 'github-token': 't' }))
    await run()
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.outputs().verdict).toBe('pass')
    expect(core.outputs()['report-path']).toBe(path.join(dir, 'artifact', 'out', 'report.md'))
    // comment: never in with: beat the file's always.
    expect(fake.state.calls).toEqual([])
  })

  test('a bad file fails the step with the key, the value and what was expected', async () => {
    fs.writeFileSync(path.join(dir, 'gate.yaml'), 'mode: report\ncomment: sometimes\n')
    core.useInputs(runnerInputs({ 'config-file': 'gate.yaml' }))
    await run()
    expect(core.outputs().verdict).toBe('error')
    expect(String(core.setFailed.mock.calls[0]?.[0])).toBe(
      `OTLP perf gate: config file '${path.join(dir, 'gate.yaml')}': 'comment' must be one of 'always', 'on-failure', 'never', got 'sometimes'`
    )
  })
})
