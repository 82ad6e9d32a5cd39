import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { checkOutputDir } from '../../../src/security/paths.js'
import { ConfigError } from '../../../src/config/config.js'

describe('output-dir must not be a pseudo file system', () => {
  test.each(['/proc/self/x', '/proc', '/sys/kernel/out', '/dev/shm/../null'])('%s is refused', (dir) => {
    let err: unknown
    try {
      checkOutputDir(dir)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).input).toBe('output-dir')
    expect((err as Error).message).toContain(`got '${dir}'`)
  })

  test('through a symlink too', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outdir-'))
    try {
      fs.symlinkSync('/proc/self', path.join(dir, 'link'))
      expect(() => checkOutputDir(path.join(dir, 'link', 'report'))).toThrow(/not under \/proc/)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('an ordinary directory, existing or not, is accepted', () => {
    expect(() => checkOutputDir(path.join(os.tmpdir(), 'otlp-perf-gate-out', 'nested'))).not.toThrow()
    expect(() => checkOutputDir('otlp-perf-gate')).not.toThrow()
  })
})
