/**
 * The workflow files people copy (examples/) and the project's own (.github/workflows/) are checked the
 * way GitHub would read them: every `with:` key of a step using this action is an input of action.yml,
 * its values pass the action's own input parser, and every `workflow_run.workflows` entry names a
 * workflow's `name:`. actionlint over the same files runs in the integration lane
 * (__tests__/integration/workflows/actionlint.test.ts) and in `npm run lint`.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'
import { parseConfig, type RawInputs } from '../../../src/config/config.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const DIRS = ['examples', '.github/workflows']

interface Step {
  id?: string
  uses?: string
  with?: Record<string, string>
}
interface Workflow {
  name?: string
  on?: Record<string, unknown> | string | string[]
  jobs?: Record<string, { steps?: Step[] }>
}

/** Repository-relative paths of every workflow file. */
function workflowFiles(): string[] {
  return DIRS.flatMap((dir) => {
    const abs = path.join(ROOT, dir)
    if (!fs.existsSync(abs)) return []
    return fs
      .readdirSync(abs)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => path.join(dir, f))
  })
}

/** The failsafe schema reads every scalar as a string, as the Actions runner hands inputs to an action. */
function load(file: string): Workflow {
  return YAML.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'), { schema: 'failsafe' }) as Workflow
}

/** A step runs this action: `uses: ./` in this repository, `<owner>/otlp-perf-gate@<ref>` in a copy. */
function isGateStep(step: Step): boolean {
  return step.uses !== undefined && (/^\.\/?$/.test(step.uses) || /^[\w.-]+\/otlp-perf-gate@\S+$/.test(step.uses))
}

function gateSteps(wf: Workflow): Step[] {
  return Object.values(wf.jobs ?? {}).flatMap((job) => (job.steps ?? []).filter(isGateStep))
}

/** `${{ … }}` has no value before the run: a plain word keeps the parser reading the rest of the value. */
function withoutExpressions(value: string): string {
  return value.replace(/\$\{\{[^}]*\}\}/g, 'expr')
}

const ACTION = YAML.parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required: boolean }>
}
const INPUTS = new Set(Object.keys(ACTION.inputs))
const FILES = workflowFiles()
const EXAMPLES = FILES.filter((f) => f.startsWith('examples/'))

test('there are examples and project workflows to check', () => {
  expect(EXAMPLES.length).toBeGreaterThanOrEqual(8)
  expect(FILES).toContain('.github/workflows/ci.yml')
})

describe.each(FILES)('%s', (file) => {
  const wf = load(file)

  test('has a name and at least one step using the action', () => {
    expect(typeof wf.name).toBe('string')
    expect(gateSteps(wf).length).toBeGreaterThan(0)
  })

  test('every with: key of the action is an input of action.yml, and its values parse', () => {
    for (const step of gateSteps(wf)) {
      const keys = Object.keys(step.with ?? {})
      expect({ step: step.id ?? step.uses, unknown: keys.filter((k) => !INPUTS.has(k)) }).toEqual({
        step: step.id ?? step.uses,
        unknown: []
      })
      const raw: RawInputs = {}
      for (const [k, v] of Object.entries(step.with ?? {})) raw[k as keyof RawInputs] = withoutExpressions(v)
      // mode: report and mode: merge read results files and need no service.
      if (raw.mode !== 'report' && raw.mode !== 'merge') expect(raw['start-command']).toBeTruthy()
      expect(() => parseConfig(raw)).not.toThrow()
    }
  })
})

/** The ```yaml blocks of the README and docs/ that are whole workflows using the action. */
function documentedWorkflows(): { where: string; wf: Workflow }[] {
  const docs = [
    'README.md',
    ...fs
      .readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join('docs', f))
  ]
  return docs.flatMap((file) =>
    [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
      .map((m, i) => ({
        where: `${file} yaml block ${i + 1}`,
        wf: YAML.parse(m[1], { schema: 'failsafe' }) as Workflow
      }))
      .filter(({ wf }) => typeof wf === 'object' && wf !== null && gateSteps(wf).length > 0)
  )
}

test('the workflows shown in the README and docs/ use only inputs of action.yml, with values that parse', () => {
  const shown = documentedWorkflows()
  expect(shown.map((s) => s.where)).toContain('README.md yaml block 1')
  for (const { where, wf } of shown) {
    for (const step of gateSteps(wf)) {
      const raw: RawInputs = {}
      for (const [k, v] of Object.entries(step.with ?? {})) raw[k as keyof RawInputs] = withoutExpressions(v)
      expect({ where, unknown: Object.keys(raw).filter((k) => !INPUTS.has(k)) }).toEqual({ where, unknown: [] })
      expect(() => parseConfig(raw)).not.toThrow()
    }
  }
})

test('the README shows a workflow using the action within its first 80 lines, and stays under 350', () => {
  const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n')
  expect(lines.findIndex((l) => /uses: \S*otlp-perf-gate@/.test(l)) + 1).toBeGreaterThan(0)
  expect(lines.findIndex((l) => /uses: \S*otlp-perf-gate@/.test(l)) + 1).toBeLessThanOrEqual(80)
  expect(lines.length).toBeLessThanOrEqual(350)
})

test('examples start with a comment saying what they are for', () => {
  for (const file of EXAMPLES) {
    const head = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').slice(0, 2)
    expect({ file, commented: head.every((l) => l.startsWith('# ')) }).toEqual({ file, commented: true })
  }
})

test('workflow names are unique, and every workflow_run.workflows entry names one of them', () => {
  const names = FILES.map((f) => load(f).name)
  expect(new Set(names).size).toBe(names.length)
  let triggers = 0
  for (const file of FILES) {
    const on = load(file).on
    const run = typeof on === 'object' && !Array.isArray(on) ? (on.workflow_run as { workflows?: string[] }) : null
    for (const target of run?.workflows ?? []) {
      triggers++
      expect({ file, target, named: names.includes(target) }).toEqual({ file, target, named: true })
    }
  }
  expect(triggers).toBeGreaterThan(0)
})
