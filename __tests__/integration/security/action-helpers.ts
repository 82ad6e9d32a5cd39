/**
 * Running src/main.ts's `run()` in this process the way the runner runs the action: INPUT_* variables,
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, a pull_request event, stdout captured. Same paths as the
 * bundled action (the e2e tests), but on the sources, so they need no rebuild.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseGithubOutput, pullRequestEvent, inputVariable } from '../../e2e/helpers.js'
import { clearSecrets } from '../../../src/security/redact.js'
import { jest } from '@jest/globals'

/** What a workflow would see of one in-process action run. */
export interface InProcessRun {
  stdout: string
  outputs: Record<string, string>
  summary: string
  dir: string
  exitCode: number | undefined
}

/** Lines of `stdout` that are outside every `::stop-commands::T` … `::T::` block. */
export function linesOutsideStopCommands(stdout: string): string[] {
  const out: string[] = []
  let token: string | null = null
  for (const line of stdout.split('\n')) {
    if (token === null) {
      const m = /^::stop-commands::(.+)$/.exec(line)
      if (m) token = m[1]
      else out.push(line)
    } else if (line === `::${token}::`) token = null
  }
  return out
}

/**
 * Run the action with `inputs` (action.yml names) and job variables `jobEnv`; `during` is called
 * with each chunk written to stdout (e.g. to send a signal once a round is done).
 */
export async function runActionInProcess(
  inputs: Record<string, string>,
  jobEnv: Record<string, string>,
  opts: { apiUrl?: string; prNumber?: number; during?: (chunk: string) => void } = {}
): Promise<InProcessRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sec-action-'))
  const outputPath = path.join(dir, 'github_output')
  const summaryPath = path.join(dir, 'summary.md')
  const eventPath = path.join(dir, 'event.json')
  fs.writeFileSync(outputPath, '')
  fs.writeFileSync(summaryPath, '')
  const event = pullRequestEvent({ number: opts.prNumber ?? 5 })
  fs.writeFileSync(eventPath, JSON.stringify(event.payload))
  const vars: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'octo-org/perf-demo',
    GITHUB_WORKFLOW: 'perf',
    GITHUB_JOB: 'gate',
    GITHUB_API_URL: opts.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    ...(event.env ?? {}),
    ...jobEnv
  }
  for (const [k, v] of Object.entries(inputs)) vars[inputVariable(k)] = v
  if (vars[inputVariable('output-dir')] === undefined) vars[inputVariable('output-dir')] = path.join(dir, 'out')
  const saved = new Map(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  let stdout = ''
  const realWrite = process.stdout.write.bind(process.stdout)
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString()
    stdout += text
    opts.during?.(text)
    return true
  }) as typeof process.stdout.write)
  const exitBefore = process.exitCode
  let exitCode: number | undefined
  try {
    const { run } = await import('../../../src/main.js')
    await run()
  } finally {
    spy.mockRestore()
    exitCode = process.exitCode as number | undefined
    process.exitCode = exitBefore
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
    clearSecrets()
    void realWrite
  }
  return {
    stdout,
    outputs: parseGithubOutput(fs.readFileSync(outputPath, 'utf8')),
    summary: fs.readFileSync(summaryPath, 'utf8'),
    dir,
    exitCode
  }
}
