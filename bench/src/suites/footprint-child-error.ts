/** Why a footprint process failed: it exited or reported an error, or it ran out of time. */
export type FootprintChildErrorCode = 'CHILD_FAILED' | 'CHILD_TIMEOUT'

/**
 * A footprint process that did not report its figures. By the time this is thrown the process has
 * exited (it was killed if it had not), so `pid` names no running process. The message ends with
 * the last lines the process wrote to stderr and stdout, with AWS keys and tokens blanked out.
 *
 * @example
 * ```ts
 * try {
 *   await runFootprintProcess(task, target)
 * } catch (error) {
 *   if (error instanceof FootprintChildError && error.code === 'CHILD_TIMEOUT') console.error(error.message)
 * }
 * ```
 */
export class FootprintChildError extends Error {
  override readonly name = 'FootprintChildError'
  readonly code: FootprintChildErrorCode
  /** The process id the child had, for checking that it is gone. */
  readonly pid: number | undefined

  constructor(
    code: FootprintChildErrorCode,
    message: string,
    pid: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.code = code
    this.pid = pid
  }
}
