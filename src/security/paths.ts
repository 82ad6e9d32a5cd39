/** Paths the gate writes to or reads from that must not be system files. */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { ConfigError } from '../config/config.js'
import { Inputs } from '../config/inputs.js'

/** Pseudo file systems: writing there hangs or does something other than storing a file. */
const SYSTEM_ROOTS = ['/proc', '/sys', '/dev']

function under(p: string, root: string): boolean {
  return p === root || p.startsWith(`${root}/`)
}

/** `p` with its longest existing prefix resolved through symlinks (the rest appended as given). */
function realPathOfPrefix(p: string): string {
  let head = path.resolve(p)
  const tail: string[] = []
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail)
    } catch {
      const parent = path.dirname(head)
      if (parent === head) return path.resolve(p)
      tail.unshift(path.basename(head))
      head = parent
    }
  }
}

/** Refuse an `output-dir` under /proc, /sys or /dev (also through a symlink): a named ConfigError. */
export function checkOutputDir(dir: string): void {
  for (const p of [path.resolve(dir), realPathOfPrefix(dir)]) {
    const root = SYSTEM_ROOTS.find((r) => under(p, r))
    if (root !== undefined) {
      throw new ConfigError(
        Inputs.OutputDir,
        `'${Inputs.OutputDir}' must be a directory for the report and logs, not under ${root}, got ` +
          `'${dir}'${p !== path.resolve(dir) ? ` (resolves to '${p}')` : ''}`
      )
    }
  }
}
