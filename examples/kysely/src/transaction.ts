import { type RetryOptions, withRetry } from 'dsql-auth'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from './database.ts'

/**
 * Runs `work` in a Kysely transaction (one connection, COMMIT, ROLLBACK on error), and runs the
 * whole transaction again when Aurora DSQL reports an optimistic-concurrency conflict at COMMIT
 * (SQLSTATE 40001). Kysely passes pg's errors through, so `dsql-auth` reads their SQLSTATE as is.
 *
 * @example
 * ```ts
 * const owner = await transaction(db, (trx) =>
 *   trx.insertInto('owner').values({ name, city }).returningAll().executeTakeFirstOrThrow())
 * ```
 */
export function transaction<T>(
  db: Kysely<Database>,
  work: (trx: Transaction<Database>) => Promise<T>,
  retry: RetryOptions = {},
): Promise<T> {
  return withRetry(() => db.transaction().execute(work), retry)
}
