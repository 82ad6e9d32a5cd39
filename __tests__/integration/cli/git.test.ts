import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { localGit } from '../../../src/cli/git.js'

const REPO = fileURLToPath(new URL('../../..', import.meta.url))

test('localGit reads the commit of the checkout', async () => {
  let expected: string
  try {
    expected = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim()
  } catch {
    console.warn('skipping: this checkout has no git history')
    return
  }
  const git = await localGit(REPO)
  expect(git.sha).toBe(expected)
})

test('localGit outside a repository gives nothing, without throwing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opg-cli-nogit-'))
  try {
    // GIT_CEILING_DIRECTORIES is not needed: the temp dir is not inside a repository on these runners.
    expect(await localGit(dir)).toEqual({})
    expect(await localGit(path.join(dir, 'does-not-exist'))).toEqual({})
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
