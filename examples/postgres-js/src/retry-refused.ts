import { type ConnectRetryOptions, connectWithRetry, transientRefusal } from 'dsql-auth'

/**
 * Sends one statement, and sends it again when the connection postgres.js opened for it was refused
 * by Aurora DSQL for a moment (`53400` rate exceeded as a service starts or the pool refills after
 * a failover, a cluster waking up), after a backoff with jitter (`connectWithRetry` of `dsql-auth`;
 * default: 10 attempts, 15 s). Any other error, such as access denied, comes at once.
 *
 * Why the statement and not the connection: postgres.js opens a connection for the query that needs
 * one and, when the server refuses it, fails that query; it offers no hook in between (its `socket`
 * option runs before TLS, and DSQL refuses after the startup message), and `sql.reserve()` (3.4.9)
 * strands a reservation whose connection was refused. Only refusals that DSQL sends to a new
 * connection are retried: the statement never reached the server. `XX000` server unavailable is
 * not, since it may also end a session in the middle of a statement.
 *
 * `statement` must send one statement on the client (not several, nor on a transaction's `tx`): a
 * refusal before its second would send the first again.
 *
 * @example
 * ```ts
 * const rows = await retryRefused(() => sql`select id, name from owner`)
 * ```
 */
export function retryRefused<T>(
  statement: () => Promise<T>,
  retry: ConnectRetryOptions = {},
): Promise<T> {
  return connectWithRetry(statement, {
    ...retry,
    retryIf: (error) => transientRefusal(error)?.onlyAtConnect === true,
  })
}
