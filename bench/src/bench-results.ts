import type { BenchSettings } from './bench-settings.ts'

/**
 * The shape of one recorded benchmark run (`docs/bench/results.json`). Every number in the docs is
 * rendered from a file of this shape, never typed by hand. Times are milliseconds unless a name
 * says otherwise (`Us`: microseconds).
 */

/** The three driver templates of this repository. */
export type Driver = 'pg' | 'postgres.js' | 'kysely'

/**
 * Who opens the connections:
 * - `template`: the example's own `src/db.ts` (`createPool`, `createSql`, `createDb`);
 * - `official`: `@aws/aurora-dsql-node-postgres-connector`'s `AuroraDSQLPool` (a `pg` pool);
 * - `bare`: the driver alone with a token signed beforehand (the floor of the auth layer);
 * - `postgres`: the driver straight to a plain PostgreSQL with its own TLS and a static password
 *   (for pooled queries the ceiling: what is left when neither IAM auth nor the stand-in's relay is
 *   in the way; for a new connection a reference, as PostgreSQL forks a process per connection).
 */
export type ClientKind = 'template' | 'official' | 'bare' | 'postgres'

/** How TLS starts: PostgreSQL 17's direct TLS, or the `SSLRequest` round trip first. */
export type TlsMode = 'direct' | 'sslrequest'

/**
 * A figure measured in several repetitions: the median of the repetitions, and the lowest and
 * highest, so the spread is visible next to every number.
 */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
  /** One value per repetition, in run order. */
  readonly runs: readonly number[]
}

/** Time to a first query on a new connection, one client at one emulated latency. */
export interface ConnectResult {
  readonly driver: Driver
  readonly client: ClientKind
  readonly tls: TlsMode
  /** The emulated extra round-trip time of the stand-in (0 against a real cluster: real network). */
  readonly latencyMs: number
  /** New connections per repetition. */
  readonly samples: number
  readonly p50Ms: Spread
  readonly p95Ms: Spread
}

/**
 * Where the time of one new connection goes, timed step by step on a `pg.Client` (direct TLS) whose
 * connection events mark the boundaries. The steps a running program pays for each new connection
 * are the cached token and everything after it; a new token provider pays once for resolving
 * credentials and signing a token instead.
 */
export interface ConnectBreakdown {
  readonly latencyMs: number
  /** The role: `admin` signs with DbConnectAdmin, any other role with DbConnect. */
  readonly role: 'admin' | 'non-admin'
  /** Samples per repetition (after the warm-up). */
  readonly samples: number
  /** Medians of each part over all samples of all repetitions, in ms, in the order they happen. */
  readonly parts: {
    /** A new default credential chain resolved (once per token provider). */
    readonly credentialsMs: number
    /** A token signed with those credentials (once per provider and refresh interval). */
    readonly tokenMs: number
    /** The template's provider called with its token cached (every new connection). */
    readonly cachedTokenMs: number
    readonly tcpMs: number
    readonly tlsMs: number
    /** Startup message to `AuthenticationOk`: the server's token check included. */
    readonly authMs: number
    /** `AuthenticationOk` to the first `ReadyForQuery`. */
    readonly sessionMs: number
    readonly firstQueryMs: number
  }
  /** A new connection of a running program: the cached token and every step after it. */
  readonly totalMs: number
  /** The first connection of a new provider: credentials and signing instead of the cached token. */
  readonly coldTotalMs: number
}

/**
 * What one call of a token source costs, by how the token is obtained, timed in a tight loop of
 * calls (warm caches, JIT-compiled code): the lower bound of what it adds to a connection. The
 * connect breakdown times the same steps inside real connections.
 */
export interface TokenResult {
  /**
   * - `cached`: the template's provider with a token in its cache (the usual case);
   * - `signed`: a fresh SigV4 signature with credentials already resolved;
   * - `new-chain`: a new default credential chain and a new signer per call (what the official
   *   connector's pool does at every checkout, `pool.query()` included).
   */
  readonly method: 'cached' | 'signed' | 'new-chain'
  readonly p50Us: Spread
  readonly p99Us: Spread
  /** The p50 as a share of the `pg` template's connect p50 at 0 ms, in percent. */
  readonly shareOfConnectPercent: number
}

/** The two query workloads. */
export type Workload = 'point-select' | 'insert-tx'

/** Throughput and latency through a warm pool, `concurrency` callers in a closed loop. */
export interface QueryResult {
  readonly driver: Driver
  readonly client: Exclude<ClientKind, 'bare'>
  readonly workload: Workload
  readonly concurrency: number
  readonly opsPerSecond: Spread
  readonly p50Ms: Spread
  readonly p99Ms: Spread
  /** Operations that failed (after retries), over all repetitions: expected 0. */
  readonly errors: number
}

/**
 * Workers doing read-modify-write on a few rows, each transaction retried on OCC conflicts: the
 * templates through `dsql-auth`'s `withRetry` (their `transaction()`), the official connector
 * through its own `pool.transaction()`.
 */
export interface ContentionResult {
  readonly driver: Driver
  readonly client: 'template' | 'official'
  readonly workers: number
  readonly rows: number
  readonly commits: number
  /** Attempts that ended in an OCC conflict (40001): each was retried, or its transaction gave up. */
  readonly conflicts: number
  /** Attempts started again after a conflict: `conflicts - gaveUp`. */
  readonly retries: number
  /** Attempts made (counted as calls of the transaction's body) per committed transaction. */
  readonly attemptsPerCommit: number
  readonly commitsPerSecond: Spread
  /** Increments committed but missing from the rows' sum: must be 0. */
  readonly lostUpdates: number
  /** Transactions that still met a conflict at the retry helper's last attempt. */
  readonly gaveUp: number
}

/** One process per driver: start to first query, and the most memory it held under load. */
export interface FootprintResult {
  readonly driver: Driver
  readonly client: 'template' | 'official'
  /** From process spawn to the first query's result (module loading included). */
  readonly coldStartMs: Spread
  /** Peak resident set size after a pooled workload, in MiB. */
  readonly peakRssMiB: Spread
}

/** Static facts of each template, measured from the repository and the installed packages. */
export interface FeatureFacts {
  readonly driver: Driver
  /** The driver's package and its production dependencies on disk, in KiB. */
  readonly installKiB: number
  /** Packages in the driver's production dependency tree, itself included. */
  readonly packages: number
  /**
   * Lines of code (no comments, no blank lines) of the template's DSQL-specific files: `src/db.ts`
   * and `src/transaction.ts`, plus `src/retrying-pool.ts` (pg) and `src/retry-refused.ts`
   * (postgres.js).
   */
  readonly dsqlLines: number
}

/** One of the performance bars, as judged from this run. */
export interface BarCheck {
  readonly id:
    | 'auth-share'
    | 'pg-vs-official-connect'
    | 'pg-vs-official-pooled'
    | 'direct-tls'
    | 'postgres-js-nodelay'
  readonly passed: boolean
  /** One sentence with the figures it was judged on. */
  readonly detail: string
}

/** Everything one `pnpm bench` run recorded. */
export interface BenchRun {
  readonly schema: 1
  readonly date: string
  /** The code that measured: the git commit, and whether the work tree had changes. */
  readonly source: { readonly commit: string; readonly dirty: boolean }
  readonly quick: boolean
  /** `dsql-local` (the default) or `cluster` (when `CLUSTER_ENDPOINT` is set). */
  readonly target: 'dsql-local' | 'cluster'
  readonly machine: {
    readonly cpu: string
    readonly cpus: number
    readonly memoryGiB: number
    readonly os: string
  }
  readonly node: string
  /** Installed versions: pg, postgres, kysely, the official connector, the AWS signer, PostgreSQL. */
  readonly versions: Readonly<Record<string, string>>
  readonly settings: BenchSettings
  readonly durationSeconds: number
  readonly connect: readonly ConnectResult[]
  readonly connectBreakdown: readonly ConnectBreakdown[]
  readonly token: readonly TokenResult[]
  readonly queries: readonly QueryResult[]
  readonly contention: readonly ContentionResult[]
  readonly footprint: readonly FootprintResult[]
  readonly features: readonly FeatureFacts[]
  readonly checks: readonly BarCheck[]
}
