import { sqlState } from 'dsql-auth'

/** The event is not one the function accepts; sending it again cannot help. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError'
  readonly code = 'INVALID_EVENT'
}

/**
 * The cluster refused the request (`sqlState` says why) or could not be reached (`sqlState` is
 * `undefined`). The driver's error is the `cause`, and is written to the function's log.
 */
export class DatabaseRequestError extends Error {
  override readonly name = 'DatabaseRequestError'
  readonly code = 'DATABASE_REQUEST_FAILED'
  readonly sqlState: string | undefined

  constructor(action: string, cause: unknown) {
    const state = sqlState(cause)
    super(
      state !== undefined && cause instanceof Error
        ? `${action} failed: ${cause.message} (SQLSTATE ${state})`
        : `${action} failed: the connection to the cluster failed; the next invocation opens a new one`,
      { cause },
    )
    this.sqlState = state
  }
}
