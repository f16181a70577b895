/**
 * A client-chosen value (user name, database, ...) as the log shows it: quoted and escaped, so a
 * newline in it cannot forge a log line.
 *
 * @example
 * ```ts
 * logger.warn(`refused ${peer} as ${shown(user)}: ${reason}`)
 * ```
 */
export function shown(value: string): string {
  return JSON.stringify(value)
}

/**
 * The message of a caught error, for a log line.
 *
 * @example
 * ```ts
 * promise.catch((error: unknown) => logger.warn(`closed ${peer}: ${describeError(error)}`))
 * ```
 */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
