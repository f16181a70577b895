import type { ConflictInjection } from './occ/conflict-injections.ts'

/**
 * A running stand-in, as returned by {@link startDsqlLocal}. Connect to `host`:`port` with TLS
 * SNI `endpoint`, trust `caFile`, and use a token signed for `endpoint` in `region` with
 * `credentials`. Always call `stop()`.
 *
 * @example
 * ```ts
 * const cluster = await startDsqlLocal()
 * try {
 *   Object.assign(process.env, cluster.env)
 *   // ... run code that reads CLUSTER_ENDPOINT, REGION, DB_HOST, DB_PORT, DB_SSL_ROOT_CERT
 * } finally {
 *   await cluster.stop()
 * }
 * ```
 */
export interface DsqlLocalCluster {
  /** The cluster endpoint: the token's host and the TLS server name. */
  readonly endpoint: string
  /** Always `127.0.0.1`: connect here, with `endpoint` as TLS SNI. */
  readonly host: string
  readonly port: number
  readonly region: string
  /** Path of the CA certificate (PEM) to trust. */
  readonly caFile: string
  /** The CA certificate itself (PEM). */
  readonly caPem: string
  /** The first principal of the credential store: sign tokens with these. */
  readonly credentials: {
    readonly accessKeyId: string
    readonly secretAccessKey: string
    readonly sessionToken?: string
    readonly arn: string
  }
  /**
   * Environment variables to export for code under test: `CLUSTER_ENDPOINT`, `REGION`,
   * `AWS_REGION`, `DB_HOST`, `DB_PORT`, `DB_SSL_ROOT_CERT`, `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (empty unless the credentials are temporary), and
   * `AWS_PROFILE` and `AWS_CREDENTIAL_EXPIRATION` set empty. Applied over an environment (as
   * `Object.assign(process.env, env)`, `{ ...process.env, ...env }` or `export`), the stand-in's
   * keys are what the AWS SDK's default credential chain finds, even when that environment named a
   * profile or held a session token of its own. Keep the empty values: removing them lets those win.
   */
  readonly env: Readonly<Record<string, string>>
  /**
   * Makes the next `count` (default 1) COMMITs of explicit transactions fail with SQLSTATE `40001`
   * and DSQL's conflict text for `code` (`OC000` data, the default; `OC001` schema), rolling them
   * back; with `role` only COMMITs of sessions of that role count, with `sessionId` (what
   * `sys.current_session_id()` returned) only that session's. Injections queue up in the order
   * given. For testing a retry path without races: DSQL dialect only. Throws a `DsqlLocalError`
   * (`INVALID_OPTIONS`) naming a bad field.
   *
   * @example
   * ```ts
   * cluster.injectConflicts({ count: 2, role: 'admin' })
   * ```
   */
  injectConflicts(injection?: ConflictInjection): void
  /** Ends all sessions, stops PostgreSQL and removes the temporary files. Idempotent. */
  stop(): Promise<void>
}
