import { forbiddenReason, inheritedEnv, isBaseEnvName, parsePassEnv } from '../../../src/config/env.js'
import { ConfigError, parseConfig } from '../../../src/config/config.js'
import { roundEnv } from '../../../src/gate/engine.js'
import type { ArmSpec } from '../../../src/types.js'

const JOB_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/runner',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  GOPATH: '/home/runner/go',
  JAVA_HOME_17_X64: '/opt/java17',
  GITHUB_TOKEN: 'ghs_job_token_value',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token-value',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/oidc',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
  INPUT_GITHUB_TOKEN: 'input-token-value',
  GITHUB_OUTPUT: '/tmp/out',
  GITHUB_ENV: '/tmp/env',
  GITHUB_STEP_SUMMARY: '/tmp/summary',
  GITHUB_PATH: '/tmp/path',
  GITHUB_STATE: '/tmp/state',
  NODE_OPTIONS: '--require /runner/hook.js',
  OTEL_TRACES_SAMPLER: 'always_on',
  DATABASE_URL: 'postgres://u:p@db/x'
}

describe('inheritedEnv', () => {
  test('only the allowlist by default', () => {
    expect(inheritedEnv(JOB_ENV)).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/runner',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      GOPATH: '/home/runner/go',
      JAVA_HOME_17_X64: '/opt/java17'
    })
  })

  test('pass-env adds names, but never a forbidden one', () => {
    const env = inheritedEnv(JOB_ENV, [
      'DATABASE_URL',
      'NODE_OPTIONS',
      'GITHUB_TOKEN',
      'GITHUB_OUTPUT',
      'ACTIONS_RUNTIME_TOKEN'
    ])
    expect(env.DATABASE_URL).toBe('postgres://u:p@db/x')
    expect(env.NODE_OPTIONS).toBe('--require /runner/hook.js')
    expect(env.GITHUB_TOKEN).toBeUndefined()
    expect(env.GITHUB_OUTPUT).toBeUndefined()
    expect(env.ACTIONS_RUNTIME_TOKEN).toBeUndefined()
  })

  test.each([
    'GITHUB_TOKEN',
    'ACTIONS_RUNTIME_TOKEN',
    'ACTIONS_ID_TOKEN_REQUEST_URL',
    'INPUT_X',
    'GITHUB_OUTPUT',
    'GITHUB_ENV',
    'GITHUB_STEP_SUMMARY',
    'GITHUB_PATH',
    'GITHUB_STATE'
  ])('%s is forbidden', (name) => {
    expect(forbiddenReason(name)).not.toBeNull()
    expect(isBaseEnvName(name)).toBe(false)
  })

  test('GITHUB_SHA and friends are not forbidden (passable by name)', () => {
    expect(forbiddenReason('GITHUB_SHA')).toBeNull()
  })

  test('parsePassEnv splits on commas and lines', () => {
    expect(parsePassEnv(' A, B\nC ,,\n')).toEqual(['A', 'B', 'C'])
  })
})

describe('roundEnv gives the service no secret and no command file', () => {
  const arm: ArmSpec = {
    id: 'on@1',
    label: '100%',
    build: 'head',
    kind: 'sampled',
    tracing: true,
    samplingRate: 1,
    env: { OTEL_TRACES_SAMPLER: 'parentbased_always_on' }
  }

  test('job secrets, tokens and GITHUB_OUTPUT are absent; env input, arm and gate variables present', () => {
    const config = parseConfig({ 'start-command': 'node s.js', env: 'FEATURE=1', 'pass-env': 'DATABASE_URL' })
    const env = roundEnv(config, arm, 4321, 'http://127.0.0.1:9/', JOB_ENV)
    for (const k of [
      'GITHUB_TOKEN',
      'ACTIONS_RUNTIME_TOKEN',
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'INPUT_GITHUB_TOKEN',
      'GITHUB_OUTPUT',
      'GITHUB_ENV',
      'GITHUB_STEP_SUMMARY',
      'NODE_OPTIONS'
    ]) {
      expect(env[k]).toBeUndefined()
    }
    expect(env).toMatchObject({
      PATH: '/usr/bin:/bin',
      FEATURE: '1',
      DATABASE_URL: 'postgres://u:p@db/x',
      PORT: '4321',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on'
    })
  })
})

describe('config refuses forbidden names with a named error that does not quote the value', () => {
  test.each([
    ['pass-env', 'GITHUB_TOKEN', /'pass-env' lists GITHUB_TOKEN/],
    ['pass-env', 'A,ACTIONS_RUNTIME_TOKEN', /'pass-env' lists ACTIONS_RUNTIME_TOKEN/],
    ['env', 'GITHUB_OUTPUT=/tmp/x', /'env' line 1 sets GITHUB_OUTPUT/],
    ['env', 'OK=1\nGITHUB_TOKEN=ghs_do_not_echo_me', /'env' line 2 sets GITHUB_TOKEN/]
  ])('%s: %s', (input, value, message) => {
    let err: unknown
    try {
      parseConfig({ 'start-command': 'node s.js', [input]: value })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).input).toBe(input)
    expect((err as Error).message).toMatch(message)
    expect((err as Error).message).not.toContain('ghs_do_not_echo_me')
  })

  test('pass-env must list variable names', () => {
    expect(() => parseConfig({ 'start-command': 'node s.js', 'pass-env': 'A B' })).toThrow(
      /'pass-env' must list variable names, got 'A B'/
    )
  })
})
