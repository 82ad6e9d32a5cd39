import {
  clearSecrets,
  redact,
  redactDeep,
  registerSecret,
  registerSecretsFromEnv,
  REDACTED
} from '../../../src/security/redact.js'
import { registerRunSecrets } from '../../../src/security/secrets.js'
import { parseConfig } from '../../../src/config/config.js'

afterEach(() => clearSecrets())

describe('redact', () => {
  test('replaces every registered value, also inside longer text and on several lines', () => {
    registerSecret('ghs_abcdef123456')
    expect(redact('token=ghs_abcdef123456 and again ghs_abcdef123456\nx')).toBe(
      `token=${REDACTED} and again ${REDACTED}\nx`
    )
  })

  test('a multi-line secret is hidden line by line too', () => {
    registerSecret('-----BEGIN KEY-----\nMIIEowIBAAKCAQEA\n-----END KEY-----')
    expect(redact('the log printed MIIEowIBAAKCAQEA only')).toBe(`the log printed ${REDACTED} only`)
  })

  test('longest first: a secret containing another is hidden whole', () => {
    registerSecret('abcd')
    registerSecret('abcdefgh-long')
    expect(redact('x abcdefgh-long y')).toBe(`x ${REDACTED} y`)
  })

  test('too short to be a secret: not registered', () => {
    registerSecret('ab')
    expect(redact('ab cd')).toBe('ab cd')
  })

  test.each([
    ['GITHUB_TOKEN', 'ghp_0123456789abcdef', true],
    ['ACTIONS_RUNTIME_TOKEN', 'eyJhbGciOiJSUzI1NiJ9.payload', true],
    ['AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY', true],
    ['DB_PASSWORD', 'hunter2hunter2', true],
    ['MY_SESSION', 'sess-0123456789', true],
    // Secret-looking name but not a secret-looking value: never redacted (would shred the report).
    ['AUTH_ENABLED', 'true', false],
    ['PATH', '/usr/local/bin:/usr/bin:/bin', false]
  ])('env %s', (name, value, hidden) => {
    registerSecretsFromEnv({ [name]: value })
    expect(redact(`value: ${value}`)).toBe(hidden ? `value: ${REDACTED}` : `value: ${value}`)
  })

  test('redactDeep copies JSON data with every string redacted', () => {
    registerSecret('s3cr3t-value')
    const data = { a: ['x s3cr3t-value'], b: { c: 's3cr3t-value', n: 1, z: null } }
    expect(redactDeep(data)).toEqual({ a: [`x ${REDACTED}`], b: { c: REDACTED, n: 1, z: null } })
    expect(data.b.c).toBe('s3cr3t-value')
  })

  test('registerRunSecrets: the token (masked through core), the job env, the env input and extra arms', () => {
    const config = parseConfig({
      'start-command': 'node s.js',
      'github-token': 'ghs_tokenvalue123',
      env: 'API_KEY=key-from-env-input',
      'extra-arms': 'x: VENDOR_AUTH=vendor-auth-value'
    })
    const masked: string[] = []
    registerRunSecrets(config, { AWS_SECRET_ACCESS_KEY: 'aws-secret-value-1' }, (v) => masked.push(v))
    expect(masked).toEqual(['ghs_tokenvalue123'])
    const text = 'ghs_tokenvalue123 key-from-env-input vendor-auth-value aws-secret-value-1'
    expect(redact(text)).toBe([REDACTED, REDACTED, REDACTED, REDACTED].join(' '))
  })
})
