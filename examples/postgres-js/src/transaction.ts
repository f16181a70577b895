import { type RetryOptions, withRetry } from 'dsql-auth'
import type postgres from 'postgres'

/**
 * Runs `work` in a transaction (`sql.begin`, which reserves one connection, commits, and rolls back
 * on error), and runs the whole transaction again when Aurora DSQL reports an optimistic-concurrency
 * conflict at COMMIT (SQLSTATE 40001).
 *
 * @example
 * ```ts
 * const [owner] = await transaction(sql, (tx) => tx`insert into owner ${tx({ name, city })} returning *`)
 * ```
 */
export function transaction<T>(
  sql: postgres.Sql,
  work: (tx: postgres.TransactionSql) => Promise<T>,
  retry: RetryOptions = {},
): Promise<T> {
  return withRetry(() => sql.begin((tx) => work(tx)) as Promise<T>, retry)
}
