/**
 * The e2e harness itself: if its output parser or its leftover-process detector were wrong, the
 * end-to-end tests could pass vacuously.
 */
import { spawn } from 'node:child_process'
import {
  cleanEnv,
  inputVariable,
  MARKER_VAR,
  parseGithubOutput,
  processesWithMarker,
  publishOnlyInputs,
  removeWorkspaces,
  runAction,
  workflowCommands
} from './helpers.js'

afterAll(() => removeWorkspaces())

test('input variables are named as the runner names them (hyphens kept, spaces → _)', () => {
  expect(inputVariable('start-command')).toBe('INPUT_START-COMMAND')
  expect(inputVariable('github-token')).toBe('INPUT_GITHUB-TOKEN')
  expect(inputVariable('some input')).toBe('INPUT_SOME_INPUT')
})

test('GITHUB_OUTPUT: heredocs and plain lines are parsed, the last value of a name wins', () => {
  const text = [
    'verdict<<ghadelimiter_1',
    'pass',
    'ghadelimiter_1',
    'multi<<EOF',
    'line 1',
    'line 2',
    'EOF',
    'plain=a=b',
    'verdict<<ghadelimiter_2',
    'error',
    'ghadelimiter_2',
    ''
  ].join('\n')
  expect(parseGithubOutput(text)).toEqual({ verdict: 'error', multi: 'line 1\nline 2', plain: 'a=b' })
  expect(() => parseGithubOutput('x<<D\nvalue\n')).toThrow(/not closed/)
  expect(() => parseGithubOutput('garbage\n')).toThrow(/unparseable/)
})

test('workflow commands are found and unescaped', () => {
  const stdout = 'round 1\n::error::first%0Asecond 100%25\n::warning file=a.ts,line=1::careful\n::add-mask::s3cret\n'
  expect(workflowCommands(stdout, 'error').map((c) => c.message)).toEqual(['first\nsecond 100%'])
  expect(workflowCommands(stdout, 'warning').map((c) => c.message)).toEqual(['careful'])
  expect(workflowCommands(stdout).map((c) => c.command)).toEqual(['error', 'warning', 'add-mask'])
})

test('as the runner, nothing between ::stop-commands::<token> and ::<token>:: is a command', () => {
  const stdout = '::stop-commands::tok1\n::warning::inert\n::set-output name=v::pass\n::tok1::\n::warning::live\n'
  expect(workflowCommands(stdout).map((c) => `${c.command}:${c.message}`)).toEqual(['warning:live'])
})

test('the outer INPUT_*, GITHUB_* and NODE_OPTIONS do not reach the action', () => {
  const env = cleanEnv({
    PATH: '/bin',
    'INPUT_START-COMMAND': 'x',
    GITHUB_TOKEN: 't',
    NODE_OPTIONS: '--x',
    OTEL_SDK_DISABLED: 'true',
    HOME: '/root'
  })
  expect(env).toEqual({ PATH: '/bin', HOME: '/root' })
})

test('a live process carrying a marker is detected, and no longer once it has exited', async () => {
  const marker = `selftest${process.pid}`
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], {
    env: { PATH: process.env.PATH ?? '', [MARKER_VAR]: marker },
    stdio: 'ignore'
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    await new Promise((resolve) => child.once('spawn', resolve))
    expect(processesWithMarker(marker).map((p) => p.pid)).toEqual([child.pid])
    expect(processesWithMarker(`${marker}x`)).toEqual([])
  } finally {
    child.kill('SIGKILL')
    await exited
  }
  expect(processesWithMarker(marker)).toEqual([])
})

test('the marker reaches the service: an action killed mid-round leaves its service, which the harness finds and kills', async () => {
  // Without this, "no leftovers" in the other tests could hold only because the marker never
  // reached the service processes.
  const run = await runAction({
    inputs: publishOnlyInputs({ 'round-duration': '60', rounds: '3' }),
    timeoutMs: 5000
  })
  expect(run.timedOut).toBe(true)
  expect(run.leftovers.length).toBeGreaterThan(0)
  expect(run.leftovers.map((p) => p.cmdline).join('\n')).toContain('server.mjs')
  // The harness SIGKILLed them; they vanish once reaped.
  for (let i = 0; i < 40 && processesWithMarker(run.marker).length > 0; i++) await new Promise((r) => setTimeout(r, 50))
  expect(processesWithMarker(run.marker)).toEqual([])
}, 30_000)
