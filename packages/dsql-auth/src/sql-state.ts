/** Five characters of digits and upper-case letters: the SQLSTATE form. */
const SQLSTATE = /^[0-9A-Z]{5}$/

/** `(OC000)` data conflict or `(OC001)` schema change, as Aurora DSQL ends its conflict messages. */
const OCC_CODE = /\bOC00[01]\b/

/** How deep {@link sqlState} follows `cause` chains. */
const MAX_DEPTH = 8

/**
 * The SQLSTATE of a database error from `pg`, postgres.js or Kysely (which passes its driver's
 * errors through), looking through wrappers' `cause` chains. `undefined` when there is none,
 * e.g. for a network error (whose `code`, such as `EPIPE`, belongs to a system call).
 *
 * @example
 * ```ts
 * try { await pool.query('commit') } catch (error) { if (sqlState(error) === '40001') ... }
 * ```
 */
export function sqlState(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < MAX_DEPTH && isObject(current); depth++) {
    const { code, syscall } = current as { code?: unknown; syscall?: unknown }
    if (typeof code === 'string' && SQLSTATE.test(code) && syscall === undefined) return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * Whether `error` is an Aurora DSQL optimistic-concurrency conflict: SQLSTATE 40001, or a message
 * carrying `OC000` (data changed by another transaction) or `OC001` (schema changed). The whole
 * transaction should be run again.
 */
export function isOccConflict(error: unknown): boolean {
  if (sqlState(error) === '40001') return true
  let current: unknown = error
  for (let depth = 0; depth < MAX_DEPTH && isObject(current); depth++) {
    const { message } = current as { message?: unknown }
    if (typeof message === 'string' && OCC_CODE.test(message)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null
}
