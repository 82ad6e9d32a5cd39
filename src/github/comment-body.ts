/**
 * The sticky comment's text: its marker line, how a comment is recognised as ours, and the cut to
 * GitHub's size limit. Pure: no I/O.
 */

/** GitHub rejects issue comments longer than this (in characters). */
export const MAX_COMMENT_LENGTH = 65536

/** Appended when the report had to be cut to fit in a comment. */
export const TRUNCATION_NOTE =
  "> [!NOTE]\n> This report was truncated to fit GitHub's comment size limit. The full report is in the job " +
  'summary and the results artifact.'

const MARKER_PREFIX = 'otlp-perf-gate:'

/**
 * Hidden marker `<!-- otlp-perf-gate:workflow/job[/id] -->`, the first line of the sticky comment.
 * Parts are percent-encoded (so `/`, `>` and spaces cannot blur the boundaries) and `--` is broken up
 * so that no part can close the HTML comment.
 */
export function stickyMarker(workflow: string, job: string, commentId?: string): string {
  const parts = [workflow, job]
  if (commentId !== undefined && commentId !== '') parts.push(commentId)
  return `<!-- ${MARKER_PREFIX}${parts.map(escapeMarkerPart).join('/')} -->`
}

function escapeMarkerPart(part: string): string {
  // encodeURIComponent leaves '-' alone; '--' could still end the comment, so encode every second dash.
  return encodeURIComponent(part).replace(/--/g, '-%2D')
}

/**
 * Whether `body` is a sticky comment carrying `marker`: its first line is exactly the marker.
 * A marker anywhere else (quoted in a service's log tail, pasted by a reviewer) does not count.
 * A trailing `\r` is ignored: comments edited in the web UI come back with CRLF line ends.
 */
export function hasMarkerLine(body: string, marker: string): boolean {
  const end = body.indexOf('\n')
  const first = end === -1 ? body : body.slice(0, end)
  return first.replace(/\r$/, '') === marker
}

/** The comment text: the marker line, then the report cut to fit GitHub's limit. */
export function commentBody(marker: string, report: string): { body: string; truncated: boolean } {
  const budget = MAX_COMMENT_LENGTH - marker.length - 1
  const text = truncateCommentBody(report, budget)
  return { body: `${marker}\n${text}`, truncated: text !== report }
}

/**
 * Cuts `text` to at most `maxLength` characters at a line boundary, closes an open code fence or
 * `<details>` block, and appends `note`. Returns `text` unchanged when it fits.
 */
export function truncateCommentBody(text: string, maxLength: number, note: string = TRUNCATION_NOTE): string {
  if (text.length <= maxLength) return text
  const suffixOf = (head: string): string => `${closers(head)}\n\n${note}`
  // Reserve generously for the closers, then shrink further if they turn out longer.
  let budget = maxLength - note.length - 64
  if (budget <= 0) throw new Error(`maxLength ${maxLength} is too small to hold the truncation note`)
  for (let guard = 0; guard < 100; guard++) {
    let cut = text.lastIndexOf('\n', budget)
    if (cut <= 0) cut = budget
    // Never split a UTF-16 surrogate pair.
    const code = text.charCodeAt(cut - 1)
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1
    const head = text.slice(0, cut).replace(/\s+$/, '')
    const result = head + suffixOf(head)
    if (result.length <= maxLength) return result
    budget = cut - (result.length - maxLength) - 1
    if (budget <= 0) break
  }
  throw new Error(`could not truncate the comment body to ${maxLength} characters`)
}

/** Markdown needed to close a code fence and `<details>` blocks left open at the end of `head`. */
function closers(head: string): string {
  let openFence: string | null = null
  let openDetails = 0
  for (const line of head.split('\n')) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line)
    if (m !== null) {
      const fence = m[1] as string
      if (openFence === null) openFence = fence
      else if (fence[0] === openFence[0] && fence.length >= openFence.length && line.trim() === fence) openFence = null
      continue
    }
    // Tags inside a code block are text, not HTML.
    if (openFence !== null) continue
    openDetails += (line.match(/<details[\s>]/gi) ?? []).length
    openDetails -= (line.match(/<\/details\s*>/gi) ?? []).length
  }
  let out = openFence === null ? '' : `\n${openFence}`
  for (let i = 0; i < openDetails; i++) out += '\n</details>'
  return out
}
