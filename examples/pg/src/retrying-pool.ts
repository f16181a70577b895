import { type ConnectRetryOptions, connectWithRetry } from 'dsql-auth'
import pg from 'pg'

/** What pg-pool's callback form of `connect` hands back, as `@types/pg` declares it. */
type ConnectCallback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: boolean | Error) => void,
) => void

/**
 * A `pg.Pool` that opens a connection again when Aurora DSQL refuses it for a moment: `53400` rate
 * exceeded (a service starting, a pool refilling after a failover), a cluster waking up, `XX000`
 * server unavailable. It waits with exponential backoff and jitter, within the bounds of
 * `dsql-auth`'s `connectWithRetry` (default: 10 attempts, 15 s). Any other error, such as access
 * denied or a TLS failure, reaches the caller at once.
 *
 * pg has no hook for a failed connect, and a `pg.Client` cannot connect a second time, so the retry
 * wraps the pool's one public entry: `connect()`, which `pool.query()` also goes through. A refused
 * client never joins the pool; nothing ran on it, so opening another is always safe.
 *
 * @example
 * ```ts
 * const pool = new RetryingPool({ host, port, user, password, ...dsqlTls(config) }, {
 *   onRetry: (e) => console.warn(`dsql: refused (${e.refusal}), retry in ${e.delayMs} ms`),
 * })
 * await pool.query('select 1') // opened after a short wait if the cluster was busy
 * ```
 */
export class RetryingPool extends pg.Pool {
  readonly #retry: ConnectRetryOptions

  constructor(config: pg.PoolConfig, retry: ConnectRetryOptions = {}) {
    super(config)
    this.#retry = Object.freeze({ ...retry })
  }

  override connect(): Promise<pg.PoolClient>
  override connect(callback: ConnectCallback): void
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    const connected = connectWithRetry(() => super.connect(), this.#retry)
    if (callback === undefined) return connected
    connected.then(
      (client) => callback(undefined, client, client.release),
      (error: Error) => callback(error, undefined, () => {}),
    )
    return undefined
  }
}
