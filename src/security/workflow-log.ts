/**
 * Printing text the gate does not control (service log tails, reports quoting them) to a log the
 * GitHub runner parses: a line `::warning::…` or `::set-output …` would run as a workflow command.
 * Such text is framed by `::stop-commands::<token>` … `::<token>::`, with a fresh random token the
 * text cannot know, and redacted first.
 */
import { randomBytes } from 'node:crypto'
import { redact } from './redact.js'

/** A token for one stop-commands block that does not occur in `text`. */
export function stopToken(text: string, random: () => string = () => randomBytes(16).toString('hex')): string {
  for (;;) {
    const t = `otlp-perf-gate-${random()}`
    if (!text.includes(t)) return t
  }
}

/** `text` redacted and framed so that the runner ignores workflow commands in it (pure but for the token). */
export function inertBlock(text: string, token: string = stopToken(text)): string {
  const body = redact(text)
  return `::stop-commands::${token}\n${body}\n::${token}::`
}

/**
 * Print untrusted text through `write` (e.g. core.info) as one inert block. Every block of service
 * output the gate prints goes through here.
 */
export function printUntrusted(text: string, write: (line: string) => void): void {
  write(inertBlock(text))
}
