/** What went wrong in a benchmark run, for a program to tell apart. */
export type BenchErrorCode = 'NOT_ADMIN' | 'TABLES_EXIST' | 'WORKLOAD_FAILED' | 'TARGET_FAILED'

/**
 * An error of the benchmark itself (not of a driver): a fixed `name`, a machine-readable `code`,
 * and the original error as `cause`. Messages say what happened and how to fix it.
 *
 * @example
 * ```ts
 * throw new BenchError('NOT_ADMIN', 'pnpm bench needs the admin role; unset DB_USER', {})
 * ```
 */
export class BenchError extends Error {
  override readonly name = 'BenchError'
  readonly code: BenchErrorCode

  constructor(code: BenchErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options)
    this.code = code
  }
}
