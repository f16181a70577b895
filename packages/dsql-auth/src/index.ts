/**
 * `dsql-auth`: what a PostgreSQL driver needs to reach Amazon Aurora DSQL with IAM authentication.
 * It imports no driver: it returns a password function, TLS settings and plain values that `pg`,
 * postgres.js and Kysely all accept.
 *
 * @example
 * ```ts
 * import { createTokenProvider, dsqlTls, loadConfig, POOL_DEFAULTS, withRetry } from 'dsql-auth'
 *
 * const config = loadConfig()
 * const pool = new pg.Pool({
 *   host: config.host,
 *   port: config.port,
 *   user: config.user,
 *   database: config.database,
 *   password: createTokenProvider(config),
 *   ...dsqlTls(config),
 *   maxLifetimeSeconds: POOL_DEFAULTS.maxLifetimeSeconds,
 * })
 * ```
 * @module
 */
export { clusterHost, isClusterId, isRegion, regionFromEndpoint } from './cluster-endpoint.ts'
export {
  CONNECT_RETRY_DEFAULTS,
  type ConnectRetryEvent,
  type ConnectRetryOptions,
  connectWithRetry,
  isTransientRefusal,
  TRANSIENT_REFUSALS,
  type TransientRefusal,
  transientRefusal,
} from './connect-retry.ts'
export { type DsqlSslOptions, type DsqlTlsSettings, dsqlTls } from './dsql-tls.ts'
export { type ConfigProblem, DsqlAuthError, DsqlConfigError, DsqlRetryError } from './errors.ts'
export { type DsqlConfig, type Env, loadConfig } from './load-config.ts'
export {
  type NonAdminGrantOptions,
  type NonAdminGrants,
  nonAdminGrants,
} from './non-admin-grants.ts'
export { POOL_DEFAULTS } from './pool-defaults.ts'
export { isOccConflict, sqlState } from './sql-state.ts'
export { TOKEN_DEFAULTS } from './token-defaults.ts'
export {
  createTokenProvider,
  type DsqlAction,
  type TokenProvider,
  type TokenProviderConfig,
  type TokenProviderOptions,
  type TokenRefreshEvent,
} from './token-provider.ts'
export { RETRY_DEFAULTS, type RetryEvent, type RetryOptions, withRetry } from './with-retry.ts'
