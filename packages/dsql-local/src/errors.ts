/**
 * What went wrong, machine-readable:
 * - `INVALID_OPTIONS`: an option is missing, malformed or contradicts another one.
 * - `PORT_IN_USE`: the TLS front could not listen on the requested port.
 * - `DATA_DIR_UNUSABLE`: the data directory cannot be created, read or written.
 * - `BACKEND_START_FAILED`: PostgreSQL did not start, or the backend URL did not answer.
 * - `BACKEND_SETUP_FAILED`: the roles, schema `sys` or functions could not be created in the backend.
 * - `CERTIFICATE_FAILED`: the throwaway CA or server certificate could not be made or written.
 */
export type DsqlLocalErrorCode =
  | 'INVALID_OPTIONS'
  | 'PORT_IN_USE'
  | 'DATA_DIR_UNUSABLE'
  | 'BACKEND_START_FAILED'
  | 'BACKEND_SETUP_FAILED'
  | 'CERTIFICATE_FAILED'

/**
 * The one error class `dsql-local` throws from {@link startDsqlLocal}. A half-started stand-in is
 * already torn down when you catch it. The original error, if any, is kept as `cause`.
 *
 * @example
 * ```ts
 * try {
 *   await startDsqlLocal({ port: 5432 })
 * } catch (error) {
 *   if (error instanceof DsqlLocalError && error.code === 'PORT_IN_USE') console.error(error.message)
 *   else throw error
 * }
 * ```
 */
export class DsqlLocalError extends Error {
  override readonly name = 'DsqlLocalError'
  /** Machine-readable reason, see {@link DsqlLocalErrorCode}. */
  readonly code: DsqlLocalErrorCode

  constructor(code: DsqlLocalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/**
 * The backend PostgreSQL refused to open a session for an authenticated client (its
 * ErrorResponse during startup). Internal to the TLS front, which decides what the client sees.
 */
export class BackendSessionError extends Error {
  override readonly name = 'BackendSessionError'
  /** The backend's SQLSTATE, or `08006` when the connection itself failed. */
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
