/** A fault of the measurement (not a verdict): the run ends with verdict `error` and this message. */
export class GateError extends Error {
  constructor(
    readonly kind:
      'no-spans' | 'spans-when-off' | 'lost-spans' | 'error-rate' | 'service' | 'otlp' | 'load' | 'collector',
    message: string
  ) {
    super(message)
    this.name = 'GateError'
  }
}

/**
 * A bad command line or config file: the CLI exits with code 2 and prints the message as is. Declared here,
 * below both, because the config-file reader (config/) and the command line (cli/) throw it.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** The message of anything thrown, without a stack. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
