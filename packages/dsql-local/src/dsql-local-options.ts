import type { LocalPrincipal } from './auth/local-principal.ts'
import type { DsqlLocalLogger } from './logger.ts'
import type { ConflictInjection } from './occ/conflict-injections.ts'

/**
 * Options of {@link startDsqlLocal}. Every one is optional; the defaults are DSQL's own limits.
 *
 * @example
 * ```ts
 * const cluster = await startDsqlLocal({ maxConnectionDurationMs: 2_000, connectionBurst: 5 })
 * ```
 */
export interface DsqlLocalOptions {
  /** TCP port on 127.0.0.1. Default 0: a free port, see the result's `port`. */
  readonly port?: number
  /**
   * The cluster endpoint that tokens are signed for and the certificate names (clients send it
   * as TLS SNI). Default: a random `<26 letters and digits>.dsql.<region>.on.aws`.
   */
  readonly endpoint?: string
  /** The region tokens are signed for. Default: read from `endpoint`, else `us-east-1`. */
  readonly region?: string
  /**
   * The local credential store: the access keys whose tokens are accepted and the IAM ARNs
   * they stand for. Default: one generated principal (see the result's `credentials`).
   */
  readonly credentials?: readonly LocalPrincipal[]
  /**
   * Keep PostgreSQL's data (and so tables, roles and `AWS IAM GRANT` mappings) in this directory
   * across restarts. Created and initialised if empty. Default: a temporary directory removed at stop.
   */
  readonly dataDir?: string
  /**
   * Use an existing PostgreSQL instead of the embedded one, e.g.
   * `postgres://postgres:secret@127.0.0.1:5432/postgres` (a superuser). Excludes `dataDir`.
   */
  readonly backendUrl?: string
  /** Where to write the CA certificate (PEM). Default: `ca.pem` in the temporary run directory. */
  readonly caFile?: string
  /**
   * Sessions are closed this long after they were opened. Default 3,600,000 (60 minutes); at most
   * 2,147,483,647 (about 24.8 days, the longest Node.js timer).
   */
  readonly maxConnectionDurationMs?: number
  /** New connections allowed per second, on average. Default 100. */
  readonly connectionRatePerSecond?: number
  /** New connections allowed at once. Default 1,000. */
  readonly connectionBurst?: number
  /** Open connections allowed. Default 10,000 (the embedded PostgreSQL has its own limit, see `backendMaxConnections`). */
  readonly maxConnections?: number
  /** `max_connections` of the embedded PostgreSQL. Default 300. */
  readonly backendMaxConnections?: number
  /** Added to every network round trip (each client flight arrives this much later), in ms. Default 0. */
  readonly latencyMs?: number
  /** How far in the future a token's `X-Amz-Date` may lie. Default 300,000 (5 minutes). */
  readonly clockSkewMs?: number
  /**
   * `'dsql'` (default): every statement is classified with PostgreSQL's own parser and DSQL's SQL
   * rules apply (see `sql/dsql-rules.ts`). `'postgres'`: statements pass unchecked, as plain
   * PostgreSQL 16 would take them (DSQL's own syntax, such as `AWS IAM GRANT`, still works).
   */
  readonly sqlDialect?: 'dsql' | 'postgres'
  /**
   * Ids of single SQL rules to switch off for a test, e.g. `['truncate']`; the ids are those of
   * `src/sql/dsql-rules.ts`. Unknown ids, and `create-extension` / `too-complex`, are refused at
   * start. Default: none (strict).
   */
  readonly relaxRules?: readonly string[]
  /**
   * Rows one transaction may modify (DSQL: 3,000); the statement that crosses it fails with `54000`.
   * Enforced inside PostgreSQL (also rows changed by foreign-key actions); off with `relaxRules:
   * ['row-limit']` or `sqlDialect: 'postgres'`.
   */
  readonly transactionRowLimit?: number
  /**
   * Bytes of changes one transaction may commit (DSQL: 10 MiB, checked at COMMIT, which then fails
   * with `54000` and rolls back). Counted as the size of the new row versions written, an approximation
   * of DSQL's own accounting. Off with `relaxRules: ['size-limit']` or `sqlDialect: 'postgres'`.
   */
  readonly transactionSizeLimitBytes?: number
  /** Age of a transaction after which its statements and COMMIT fail, in ms (DSQL: 300,000). */
  readonly transactionAgeLimitMs?: number
  /** Largest protocol message a client may send; a larger one closes the connection (DSQL: 10 MiB). */
  readonly maxMessageBytes?: number
  /**
   * Conflicts to inject from the start, e.g. `[{ count: 2 }]`: the first two COMMITs of explicit
   * transactions fail with `40001` `change conflicts with another transaction (OC000)` and roll
   * back (see {@link DsqlLocalCluster.injectConflicts} to add more while running). DSQL dialect only.
   */
  readonly injectConflicts?: readonly ConflictInjection[]
  /** Where refusals (with their exact reason) and lifecycle messages go. Default: stderr. */
  readonly logger?: DsqlLocalLogger
}
