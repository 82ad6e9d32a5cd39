/**
 * Reading a request body into one reusable buffer. A 512-span export is ~150 kB; collecting the
 * socket's 64 kB chunks and concatenating them allocated a fresh 150 kB buffer per export, and at the
 * ~20 exports a second of a traced service that memory came back from the allocator as fresh pages:
 * 20–70 page faults per request in docs/bench-notes.md's probes, most of them gone with a buffer kept
 * across requests. The body is lent to one request at a time (the exports of one SDK connection
 * come one after the other); a request arriving while it is lent gets a buffer of its own.
 */

/** Largest buffer kept for reuse; a larger body gets a buffer of its own, dropped after use. */
export const KEEP_BYTES = 4 * 1024 * 1024
const INITIAL_BYTES = 256 * 1024

/** The reusable body buffer of one receiver. */
export class BodyBuffer {
  private spare: Buffer | null

  constructor(initialBytes = INITIAL_BYTES) {
    this.spare = Buffer.allocUnsafe(initialBytes)
  }

  /** A buffer of at least `bytes`: the spare one when it is free and big enough, else a new one. */
  take(bytes: number): Buffer {
    const spare = this.spare
    if (spare !== null && spare.length >= bytes) {
      this.spare = null
      return spare
    }
    return Buffer.allocUnsafe(Math.max(bytes, INITIAL_BYTES))
  }

  /** Gives a buffer from {@link take} back once nothing reads it any more (the larger one is kept). */
  give(buffer: Buffer): void {
    if (buffer.length > KEEP_BYTES) return
    if (this.spare === null || this.spare.length < buffer.length) this.spare = buffer
  }
}

/**
 * Appends `chunk` at `used` in `buffer` (from `pool`), growing it ×2 when full; returns the buffer
 * now holding the bytes (the old one goes back to `pool`).
 */
export function appendChunk(pool: BodyBuffer, buffer: Buffer, used: number, chunk: Buffer): Buffer {
  if (used + chunk.length <= buffer.length) {
    chunk.copy(buffer, used)
    return buffer
  }
  const bigger = pool.take(Math.max(buffer.length * 2, used + chunk.length))
  buffer.copy(bigger, 0, 0, used)
  pool.give(buffer)
  chunk.copy(bigger, used)
  return bigger
}
