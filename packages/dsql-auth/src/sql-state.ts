import { DSQL_ERROR_TEXTS } from './dsql-error-texts.ts'

/** Five characters of digits and upper-case letters: the SQLSTATE form. */
const SQLSTATE = /^[0-9A-Z]{5}$/

/** SQLSTATE `serialization_failure`: the only code a conflict comes with. */
const SERIALIZATION_FAILURE = '40001'

/** DSQL's conflict texts, each ending in its code (`OC000` data, `OC001` schema). */
const CONFLICT_TEXTS = [DSQL_ERROR_TEXTS.dataConflict.text, DSQL_ERROR_TEXTS.schemaConflict.text]

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
  return databaseError(error)?.code
}

/**
 * Whether `error` is an Aurora DSQL optimistic-concurrency conflict, so that the whole transaction
 * should run again: its SQLSTATE is `40001`. An error without any SQLSTATE (a wrapper that dropped
 * the driver's error) counts only when a message in its `cause` chain holds DSQL's exact conflict
 * text, `change conflicts with another transaction (OC000)` or
 * `schema has been updated by another transaction (OC001)`. A code alone proves nothing: PostgreSQL
 * echoes user input (`invalid input syntax for type uuid: "OC001"`, SQLSTATE `22P02`).
 *
 * @example
 * ```ts
 * isOccConflict(error) // true for pg's DatabaseError with code '40001'
 * ```
 */
export function isOccConflict(error: unknown): boolean {
  const state = sqlState(error)
  if (state !== undefined) return state === SERIALIZATION_FAILURE
  return messages(error).some((message) => CONFLICT_TEXTS.some((text) => message.includes(text)))
}

/**
 * Whether `error` is Aurora DSQL refusing a connection at startup for its token: SQLSTATE `08006`
 * with the exact text `unable to accept connection, access denied` (wrong or expired token or
 * credentials, wrong action, not authorized), also inside a wrapper's `cause` chain.
 */
export function isTokenRefusal(error: unknown): boolean {
  const answer = databaseError(error)
  const { sqlState: code, text } = DSQL_ERROR_TEXTS.accessDenied
  return answer?.code === code && answer.message === text
}

/**
 * The first error in `error`'s `cause` chain that carries a SQLSTATE, with its code and message:
 * the server's own answer, however deep a wrapper put it.
 */
export function databaseError(error: unknown): { code: string; message: string } | undefined {
  let current: unknown = error
  for (let depth = 0; depth < MAX_DEPTH && isObject(current); depth++) {
    const { code, syscall, message } = current as {
      code?: unknown
      syscall?: unknown
      message?: unknown
    }
    if (typeof code === 'string' && SQLSTATE.test(code) && syscall === undefined) {
      return { code, message: typeof message === 'string' ? message : '' }
    }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** The string messages along `error`'s `cause` chain. */
function messages(error: unknown): string[] {
  const found: string[] = []
  let current: unknown = error
  for (let depth = 0; depth < MAX_DEPTH && isObject(current); depth++) {
    const { message } = current as { message?: unknown }
    if (typeof message === 'string') found.push(message)
    current = (current as { cause?: unknown }).cause
  }
  return found
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null
}
