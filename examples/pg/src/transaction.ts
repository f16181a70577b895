import { type RetryOptions, withRetry } from 'dsql-auth'
import type pg from 'pg'

/**
 * Runs `work` in a transaction on a connection of its own, and runs the whole transaction again
 * when Aurora DSQL reports an optimistic-concurrency conflict at COMMIT (SQLSTATE 40001).
 *
 * @example
 * ```ts
 * const owner = await transaction(pool, async (client) => {
 *   const { rows } = await client.query(
 *     'insert into owner (name, city) values ($1, $2) returning *',
 *     ['Ana', 'Lisbon'],
 *   )
 *   return rows[0]
 * })
 * ```
 */
export function transaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  retry: RetryOptions = {},
): Promise<T> {
  return withRetry(async () => {
    const client = await pool.connect()
    let broken: Error | undefined
    // pg emits 'error' on a checked-out client whose connection drops; unheard, that would end the
    // process. The statement in flight fails too, so the caller learns of it there.
    const onError = (error: Error) => {
      broken = error
    }
    client.on('error', onError)
    try {
      await client.query('begin')
      const result = await work(client)
      await client.query('commit')
      return result
    } catch (error) {
      // After a failed COMMIT the transaction is already over; ROLLBACK then only resets state.
      // If even ROLLBACK fails, the connection is in an unknown state and must not be reused.
      await client.query('rollback').catch((rollbackError: Error) => {
        broken = rollbackError
      })
      throw error
    } finally {
      // A connection whose state is unknown is destroyed instead of returned to the pool.
      client.off('error', onError)
      client.release(broken)
    }
  }, retry)
}
