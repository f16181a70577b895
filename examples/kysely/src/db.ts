import {
  createTokenProvider,
  type DsqlConfig,
  dsqlTls,
  loadConfig,
  POOL_DEFAULTS,
  type TokenProviderOptions,
} from 'dsql-auth'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './database.ts'

/** The schema a non-admin role works in: its own, since `public` belongs to `admin`. */
export const NON_ADMIN_SCHEMA = 'myschema'

/** Options of {@link createDb}: pool sizing, plus where credentials come from and a refresh hook. */
export interface DbOptions extends TokenProviderOptions {
  /** Most connections. Default `POOL_DEFAULTS.max` (10). */
  readonly max?: number
  /** Seconds after which a connection is replaced. Default 3300, under DSQL's 60-minute limit. */
  readonly maxLifetimeSeconds?: number
}

/**
 * A Kysely instance for Aurora DSQL over a `pg.Pool`: each new connection gets an IAM token from
 * `password` (cached and refreshed by `dsql-auth`), verified direct TLS, and is recycled before
 * DSQL's 60-minute limit.
 *
 * A non-admin role works in `myschema` through Kysely's own `withSchema`, which names the schema
 * in every query it builds (`"myschema"."owner"`): nothing depends on per-connection state.
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
  const pool = new pg.Pool({
    host: config.host,
    port: config.port,
    user: config.user,
    database: config.database,
    password: createTokenProvider(config, options),
    ...dsqlTls(config),
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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return config.user === 'admin' ? db : db.withSchema(NON_ADMIN_SCHEMA)
}
