import {
  type ConnectRetryOptions,
  connectWithRetry,
  createTokenProvider,
  type DsqlConfig,
  dsqlTls,
  loadConfig,
  POOL_DEFAULTS,
  type TokenProviderOptions,
} from 'dsql-auth'
import { Kysely } from 'kysely'
import pg from 'pg'
import packageJson from '../package.json' with { type: 'json' }
import type { Database } from './database.ts'
import { DsqlDialect } from './migrator/dsql-dialect.ts'
import type { MigrationLockSettings } from './migrator/migration-lease.ts'

/** The schema a non-admin role works in: its own, since `public` belongs to `admin`. */
export const NON_ADMIN_SCHEMA = 'myschema'

/** The schema of the example's tables (and of their migration tables) for the role `user`. */
export function schemaFor(user: string): string {
  return user === 'admin' ? 'public' : NON_ADMIN_SCHEMA
}

// Imported, not read at run time, so that a bundle carries it along.
const { name, version } = packageJson

/**
 * The `application_name` every session of this example reports (`dsql-example-kysely/0.1.0`),
 * read from `package.json`, so that an operator can tell its sessions from others. Rename the
 * package when you copy the folder, and your service names itself.
 */
export const APPLICATION_NAME = `${name}/${version}`

/** Options of {@link createDb}: pool sizing, connect retries, credentials and a refresh hook. */
export interface DbOptions extends TokenProviderOptions {
  /** Most connections. Default `POOL_DEFAULTS.max` (10). */
  readonly max?: number
  /** Seconds after which a connection is replaced. Default 3300, under DSQL's 60-minute limit. */
  readonly maxLifetimeSeconds?: number
  /** Bounds and hook of the retries when DSQL refuses a new connection for a moment. */
  readonly connectRetry?: ConnectRetryOptions
  /** Lease length, wait bound and wait hook of the migration lock (see `src/migrator`). */
  readonly migrationLock?: MigrationLockSettings
}

/**
 * A Kysely instance for Aurora DSQL over a `pg.Pool`: each new connection gets an IAM token from
 * `password` (cached and refreshed by `dsql-auth`), verified direct TLS and the example's
 * `application_name`, and is recycled before DSQL's 60-minute limit.
 *
 * Kysely asks its dialect for a pool's shape only (`connect`, `end`, `options`), so the pool it gets
 * opens each connection through `connectWithRetry`: one that DSQL refuses for a moment (`53400`
 * rate exceeded when a service starts or a pool refills, a cluster waking up, `XX000` server
 * unavailable) is opened again after a backoff with jitter (default: 10 attempts, 15 s); any other
 * error, such as access denied, reaches the query at once.
 *
 * A non-admin role works in `myschema` through Kysely's own `withSchema`, which names the schema
 * in every query it builds (`"myschema"."owner"`). Its connections also start with
 * `search_path = myschema` (pg's startup `options`, which Aurora DSQL honours: no extra round
 * trip), so raw `sql` with unqualified names finds the same tables.
 *
 * @example
 * ```ts
 * const db = createDb()
 * try {
 *   const owners = await db.selectFrom('owner').selectAll().execute()
 * } finally {
 *   await db.destroy()
 * }
 * ```
 */
export function createDb(
  config: DsqlConfig = loadConfig(),
  options: DbOptions = {},
): Kysely<Database> {
  const password = createTokenProvider(config, options)
  const pool = new pg.Pool({
    host: config.host,
    port: config.port,
    user: config.user,
    database: config.database,
    password,
    ...dsqlTls(config),
    application_name: APPLICATION_NAME,
    options: config.user === 'admin' ? undefined : `-c search_path=${NON_ADMIN_SCHEMA}`,
    max: options.max ?? POOL_DEFAULTS.max,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? POOL_DEFAULTS.maxLifetimeSeconds,
    idleTimeoutMillis: POOL_DEFAULTS.idleTimeoutSeconds * 1000,
    connectionTimeoutMillis: POOL_DEFAULTS.connectTimeoutSeconds * 1000,
  })
  // An idle connection that the server closes (e.g. at DSQL's 60-minute limit) emits 'error' on
  // the pool; without a listener that would crash the process. The pool replaces it on demand.
  pool.on('error', (error) => {
    console.error(`dsql: an idle connection failed and was removed from the pool: ${error.message}`)
  })
  // PostgresDialect's driver, with an adapter for DSQL's migrations (no advisory lock, no
  // transactional DDL): see src/migrator/dsql-dialect.ts.
  const dialect = new DsqlDialect(
    {
      pool: {
        options: pool.options,
        // Each failed connect is reported to the provider: a token DSQL refused is not used again.
        connect: () =>
          connectWithRetry(() => pool.connect(), { ...options.connectRetry, tokens: password }),
        end: () => pool.end(),
      },
      // Cancelling a query opens a connection of its own, with the pool's options.
      controlClient: pg.Client,
    },
    options.migrationLock,
  )
  const db = new Kysely<Database>({ dialect })
  return config.user === 'admin' ? db : db.withSchema(NON_ADMIN_SCHEMA)
}
