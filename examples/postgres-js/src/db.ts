import net from 'node:net'
import {
  createTokenProvider,
  type DsqlConfig,
  dsqlTls,
  loadConfig,
  POOL_DEFAULTS,
  type TokenProvider,
  type TokenProviderOptions,
} from 'dsql-auth'
import postgres from 'postgres'
import packageJson from '../package.json' with { type: 'json' }

/** The schema a non-admin role works in: its own, since `public` belongs to `admin`. */
export const NON_ADMIN_SCHEMA = 'myschema'

/**
 * The schema the example's tables live in for `config.user`: `public` for `admin`, `myschema` for
 * any other role. Queries name it explicitly (`${sql(schema)}.owner`); a non-admin role's
 * connections also start with `search_path = myschema` (see {@link createSql}), so an unqualified
 * name finds its tables too.
 */
export function schemaFor(config: Pick<DsqlConfig, 'user'>): string {
  return config.user === 'admin' ? 'public' : NON_ADMIN_SCHEMA
}

// Imported, not read at run time, so that a bundle (the Lambda deployment) carries it along.
const { name, version } = packageJson

/**
 * The `application_name` every session of this example reports
 * (`dsql-example-postgres-js/0.1.0`), read from `package.json`, so that an operator can tell its
 * sessions from others. Rename the package when you copy the folder, and your service names itself.
 */
export const APPLICATION_NAME = `${name}/${version}`

/** Options of {@link createSql}: pool sizing, plus where credentials come from and a refresh hook. */
export interface SqlOptions extends TokenProviderOptions {
  /** Most connections. Default `POOL_DEFAULTS.max` (10). */
  readonly max?: number
  /** Seconds after which a connection is replaced. Default 3300, under DSQL's 60-minute limit. */
  readonly maxLifetimeSeconds?: number
}

/**
 * postgres.js (>= 3.4.8) reads `sslnegotiation`, and documents `socket` (a function returning the
 * socket to use), but its type definitions declare neither yet.
 */
type OptionsWithDirectTls = postgres.Options<Record<string, never>> & {
  readonly sslnegotiation?: 'direct' | 'postgres'
  readonly socket?: () => net.Socket
}

/**
 * A postgres.js client for Aurora DSQL: each new connection gets an IAM token from `password`
 * (cached and refreshed by `dsql-auth`), verified direct TLS and the example's `application_name`,
 * and is recycled before DSQL's 60-minute limit (postgres.js would otherwise pick 30 to 60 minutes
 * at random).
 *
 * A non-admin role gets `search_path = myschema` in the startup message of every new connection
 * (`connection: { options: '-c search_path=myschema' }`, which Aurora DSQL honours): in effect from
 * the first query, at no extra round trip (postgres.js has no connect hook for a `SET` anyway).
 *
 * postgres.js fails the query whose connection DSQL refuses for a moment (rate exceeded, cluster
 * waking up) and has no hook to retry it: send statements with `retryRefused()` and transactions
 * with `transaction()`, which try again.
 *
 * @example
 * ```ts
 * const sql = createSql()
 * try {
 *   const [{ now }] = await sql`select now()`
 * } finally {
 *   await sql.end()
 * }
 * ```
 */
export function createSql(
  config: DsqlConfig = loadConfig(),
  options: SqlOptions = {},
): postgres.Sql {
  const password = createTokenProvider(config, options)
  const settings: OptionsWithDirectTls = {
    host: config.host,
    port: config.port,
    user: config.user,
    database: config.database,
    password,
    ...dsqlTls(config),
    // postgres.js leaves Nagle's algorithm on, so one of its startup writes waits for the server's
    // acknowledgement: a round trip more per new connection than pg, which sets TCP_NODELAY
    // (measured by the repository's `pnpm bench`). Its own socket with TCP_NODELAY; postgres.js
    // still starts TLS on it, with the endpoint as server name from `dsqlTls`.
    socket: () => net.connect({ host: config.host, port: config.port, noDelay: true }),
    max: options.max ?? POOL_DEFAULTS.max,
    max_lifetime: options.maxLifetimeSeconds ?? POOL_DEFAULTS.maxLifetimeSeconds,
    idle_timeout: POOL_DEFAULTS.idleTimeoutSeconds,
    connect_timeout: POOL_DEFAULTS.connectTimeoutSeconds,
    connection: {
      application_name: APPLICATION_NAME,
      ...(config.user === 'admin' ? {} : { options: `-c search_path=${NON_ADMIN_SCHEMA}` }),
    },
    // `create table if not exists` sends a NOTICE when the table exists; postgres.js would print it.
    onnotice: () => {},
  }
  const sql = postgres(settings)
  providers.set(sql, password)
  return sql
}

const providers = new WeakMap<postgres.Sql, TokenProvider>()

/**
 * The token provider of a client made by {@link createSql}, for reporting a connection DSQL refused
 * (`connectRetry: { tokens: tokenProviderOf(sql) }`, which `transaction()` passes itself):
 * postgres.js has no hook of its own for a failed connect.
 */
export function tokenProviderOf(sql: postgres.Sql): TokenProvider | undefined {
  return providers.get(sql)
}
