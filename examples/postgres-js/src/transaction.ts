import {
  type ConnectRetryOptions,
  connectWithRetry,
  isTransientRefusal,
  type RetryOptions,
  withRetry,
} from 'dsql-auth'
import type postgres from 'postgres'
import { tokenProviderOf } from './db.ts'

/** Options of {@link transaction}: conflict retries, and retries of a refused connection. */
export interface TransactionOptions extends RetryOptions {
  /** Bounds and hook of the retries when DSQL refuses the transaction's connection for a moment. */
  readonly connectRetry?: ConnectRetryOptions
}

/**
 * Runs `work` in a transaction (`sql.begin`, which reserves one connection, commits, and rolls back
 * on error), and runs the whole transaction again when Aurora DSQL reports an optimistic-concurrency
 * conflict at COMMIT (SQLSTATE 40001).
 *
 * `sql.begin` opens a connection when none is idle. If DSQL refuses it for a moment (rate
 * exceeded, cluster waking up, server unavailable), `work` has not started and nothing ran, so the
 * transaction is begun again after a backoff; once `work` has started, such an error is the
 * caller's.
 *
 * @example
 * ```ts
 * const [owner] = await transaction(sql, (tx) => tx`insert into owner ${tx({ name, city })} returning *`)
 * ```
 */
export function transaction<T>(
  sql: postgres.Sql,
  work: (tx: postgres.TransactionSql) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const { connectRetry, ...retry } = options
  return withRetry(() => {
    let started = false
    const begin = () =>
      sql.begin((tx) => {
        started = true
        return work(tx)
      }) as Promise<T>
    return connectWithRetry(begin, {
      tokens: tokenProviderOf(sql),
      ...connectRetry,
      retryIf: (error) => !started && isTransientRefusal(error),
    })
  }, retry)
}
