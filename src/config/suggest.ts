/** Levenshtein edit distance (insert, delete, substitute), for did-you-mean hints. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]
}

/**
 * The candidate the user most likely meant, or undefined when nothing is close: a unique candidate
 * that starts with `name` (`max-p99` → `max-p99-overhead`), else the nearest by edit distance
 * within a third of the name's length (at least 1, at most 3 edits).
 */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase()
  if (lower === '') return undefined
  const prefixed = candidates.filter((c) => c.startsWith(lower))
  if (prefixed.length === 1) return prefixed[0]
  const limit = Math.min(3, Math.max(1, Math.floor(lower.length / 3)))
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = editDistance(lower, c)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return bestDistance <= limit ? best : undefined
}

/** " (did you mean 'x'?)" or '' — appended to unknown-name errors. */
export function didYouMean(name: string, candidates: readonly string[], prefix = ''): string {
  const c = closest(name, candidates)
  return c === undefined ? '' : ` (did you mean '${prefix}${c}'?)`
}
