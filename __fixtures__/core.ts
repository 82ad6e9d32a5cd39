/**
 * Stand-in for `@actions/core` (the typescript-action template's way): every function the action
 * calls, as a typed jest.fn. Tests register it with
 * `jest.unstable_mockModule('@actions/core', () => core)` before `await import()`ing the code under test.
 */
import type * as core from '@actions/core'
import { jest } from '@jest/globals'

export const debug = jest.fn<typeof core.debug>()
export const info = jest.fn<typeof core.info>()
export const warning = jest.fn<typeof core.warning>()
export const error = jest.fn<typeof core.error>()
export const notice = jest.fn<typeof core.notice>()
export const getInput = jest.fn<typeof core.getInput>()
export const setOutput = jest.fn<typeof core.setOutput>()
export const setFailed = jest.fn<typeof core.setFailed>()
export const setSecret = jest.fn<typeof core.setSecret>()
export const exportVariable = jest.fn<typeof core.exportVariable>()
export const isDebug = jest.fn<typeof core.isDebug>(() => false)
export const startGroup = jest.fn<typeof core.startGroup>()
export const endGroup = jest.fn<typeof core.endGroup>()
export const group = jest.fn(<T>(_name: string, fn: () => Promise<T>): Promise<T> => fn())

/** The job summary: what was written, as one string. */
export const summaryWrites: string[] = []
let pending = ''
interface SummaryStandIn {
  addRaw(text: string, addEOL?: boolean): SummaryStandIn
  write(): Promise<SummaryStandIn>
}
export const summary: SummaryStandIn = {
  addRaw(text: string, addEOL = false) {
    pending += text + (addEOL ? '\n' : '')
    return summary
  },
  async write() {
    summaryWrites.push(pending)
    pending = ''
    return summary
  }
}

/** Inputs answered by {@link getInput}, by name (unset: ''). Replaced per test by {@link useInputs}. */
export function useInputs(inputs: Record<string, string>): void {
  getInput.mockImplementation((name: string) => inputs[name] ?? '')
}

/** Forgets every call and the summary, between tests. */
export function resetCore(): void {
  for (const fn of [
    debug,
    info,
    warning,
    error,
    notice,
    getInput,
    setOutput,
    setFailed,
    setSecret,
    exportVariable,
    startGroup,
    endGroup,
    group
  ]) {
    fn.mockClear()
  }
  summaryWrites.length = 0
  pending = ''
}

/** Outputs set so far, by name (the last value wins, as on the runner). */
export function outputs(): Record<string, string> {
  return Object.fromEntries(setOutput.mock.calls.map(([name, value]) => [name, String(value)]))
}
