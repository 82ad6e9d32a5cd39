/**
 * A gate in front of a closed-loop load's workers (autocannon clients, gRPC call loops): while it is
 * open every worker sends its next request as soon as its last one is answered; while it is closed a
 * worker that would send parks instead, keeping its connection open. Closing resolves once every
 * worker has parked, i.e. once the requests in flight at that moment have been answered (or failed).
 *
 * Why: the alternating design (src/measure/sliced.ts) gives a block's arms the shared core one at a
 * time in short slices. Stopping and restarting the load generator every slice would reconnect every
 * slice; a gate keeps the connections and the loads' counters for the whole block.
 */

/** A worker's way back in: called once when the gate opens. */
export type Resume = () => void

export class LoadGate {
  private isOpen = false
  private readonly parked: Resume[] = []
  private drained: Array<() => void> = []

  /** @param workers how many workers pass through the gate (each parks at most once per closing). */
  constructor(readonly workers: number) {
    if (!Number.isInteger(workers) || workers < 1) throw new Error(`a load gate needs ≥ 1 worker, got ${workers}`)
  }

  get open(): boolean {
    return this.isOpen
  }

  /** Workers parked now. */
  get parkedCount(): number {
    return this.parked.length
  }

  /**
   * A worker about to send asks here: true = send now; false = parked, and `resume` is called when
   * the gate opens (the worker then sends).
   */
  admit(resume: Resume): boolean {
    if (this.isOpen) return true
    this.parked.push(resume)
    if (this.parked.length >= this.workers) this.settle()
    return false
  }

  /** Open: every parked worker sends again. */
  openGate(): void {
    if (this.isOpen) return
    this.isOpen = true
    const go = this.parked.splice(0)
    for (const resume of go) resume()
  }

  /**
   * Close: no worker sends a new request; resolves when all of them have parked (their requests in
   * flight answered or failed), or rejects after `timeoutMs` naming how many never came back.
   */
  close(timeoutMs: number): Promise<void> {
    this.isOpen = false
    if (this.parked.length >= this.workers) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.drained = this.drained.filter((d) => d !== done)
        reject(
          new Error(
            `${this.workers - this.parked.length} of ${this.workers} load connections still had a request in flight ` +
              `${timeoutMs} ms after the load paused`
          )
        )
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        resolve()
      }
      this.drained.push(done)
    })
  }

  /** Close for good and forget every parked worker (the load is being torn down): nothing sends again. */
  release(): void {
    this.isOpen = false
    this.parked.splice(0)
    this.settle()
  }

  private settle(): void {
    const waiting = this.drained.splice(0)
    for (const d of waiting) d()
  }
}
