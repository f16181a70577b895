import {
  type ConnectRetryOptions,
  createTokenProvider,
  type DsqlConfig,
  dsqlTls,
  loadConfig,
  POOL_DEFAULTS,
  type TokenProviderOptions,
} from 'dsql-auth'
import type pg from 'pg'
import packageJson from '../package.json' with { type: 'json' }
import { RetryingPool } from './retrying-pool.ts'

/** The schema a non-admin role works in: its own, since `public` belongs to `admin`. */
export const NON_ADMIN_SCHEMA = 'myschema'

/** The startup `options` of a non-admin role's connections: its schema, without a `SET`. */
const NON_ADMIN_STARTUP_OPTIONS = `-c search_path=${NON_ADMIN_SCHEMA}`

// Imported, not read at run time, so that a bundle (the Lambda deployment) carries it along.
const { name, version } = packageJson

/**
 * The `application_name` every session of this example reports (`dsql-example-pg/0.1.0`), read
 * from `package.json`, so that an operator can tell its sessions from others. Rename the package
 * when you copy the folder, and your service names itself.
 */
export const APPLICATION_NAME = `${name}/${version}`

/** Options of {@link createPool}: pool sizing, connect retries, credentials and a refresh hook. */
export interface PoolOptions extends TokenProviderOptions {
  /** Most connections. Default `POOL_DEFAULTS.max` (10). */
  readonly max?: number
  /** Seconds after which a connection is replaced. Default 3300, under DSQL's 60-minute limit. */
  readonly maxLifetimeSeconds?: number
  /** Bounds and hook of the retries when DSQL refuses a new connection for a moment. */
  readonly connectRetry?: ConnectRetryOptions
}

/**
 * A `pg.Pool` for Aurora DSQL: each new connection gets an IAM token from `password` (cached and
 * refreshed by `dsql-auth`), verified direct TLS and the example's `application_name`, and is
 * recycled before DSQL's 60-minute limit. A connection DSQL refuses for a moment (rate exceeded,
 * cluster waking up) is opened again after a backoff (see {@link RetryingPool}).
 *
 * A non-admin role gets `search_path = myschema` in the startup message of every new connection
 * (`options: '-c search_path=myschema'`, which Aurora DSQL honours): the setting is in effect from
 * the first query, at no extra round trip, unlike a `SET` sent after connecting.
 *
 * @example
 * ```ts
 * const pool = createPool()
 * try {
 *   const { rows } = await pool.query('select now()')
 * } finally {
 *   await pool.end()
 * }
 * ```
 */
export function createPool(config: DsqlConfig = loadConfig(), options: PoolOptions = {}): pg.Pool {
  const password = createTokenProvider(config, options)
  const pool = new RetryingPool(
    {
      host: config.host,
      port: config.port,
      user: config.user,
      database: config.database,
      password,
      ...dsqlTls(config),
      application_name: APPLICATION_NAME,
      max: options.max ?? POOL_DEFAULTS.max,
      maxLifetimeSeconds: options.maxLifetimeSeconds ?? POOL_DEFAULTS.maxLifetimeSeconds,
      idleTimeoutMillis: POOL_DEFAULTS.idleTimeoutSeconds * 1000,
      connectionTimeoutMillis: POOL_DEFAULTS.connectTimeoutSeconds * 1000,
      options: config.user === 'admin' ? undefined : NON_ADMIN_STARTUP_OPTIONS,
    },
    // Each failed connect is reported to the provider: a token DSQL refused is not used again.
    { ...options.connectRetry, tokens: password },
  )
  // An idle connection that the server closes (e.g. at DSQL's 60-minute limit) emits 'error' on
  // the pool; without a listener that would crash the process. The pool replaces it on demand.
  pool.on('error', (error) => {
    console.error(`dsql: an idle connection failed and was removed from the pool: ${error.message}`)
  })
  return pool
}
