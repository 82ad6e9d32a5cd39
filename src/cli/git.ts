import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/**
 * Commit and branch of the service's checkout, for the report's provenance on a laptop (in CI the
 * GITHUB_* variables give them). Never throws: no git, or not a repository, gives {}.
 */
export async function localGit(cwd: string): Promise<{ sha?: string; ref?: string }> {
  const run = async (args: string[]): Promise<string | undefined> => {
    try {
      const { stdout } = await execFileAsync('git', args, { cwd, timeout: 5000 })
      const out = stdout.trim()
      return out === '' ? undefined : out
    } catch {
      return undefined
    }
  }
  const sha = await run(['rev-parse', 'HEAD'])
  if (sha === undefined) return {}
  const ref = await run(['rev-parse', '--abbrev-ref', 'HEAD'])
  return { sha, ref: ref === 'HEAD' ? undefined : ref }
}
