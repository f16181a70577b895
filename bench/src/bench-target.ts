import type { DsqlConfig } from 'dsql-auth'

/** A DSQL endpoint the workloads connect to: a `dsql-local` stand-in, or a real cluster. */
export interface DsqlTarget {
  /** For the report: `dsql-local (5 ms)` or the cluster's endpoint. */
  readonly label: string
  /** The stand-in's emulated extra round trip; 0 for a real cluster. */
  readonly latencyMs: number
  /**
   * The environment a program of this repository reads (`CLUSTER_ENDPOINT`, `DB_HOST`,
   * `DB_SSL_ROOT_CERT`, AWS credentials...): merged over `process.env` for child processes.
   */
  readonly env: Readonly<Record<string, string>>
  /** `loadConfig()` of that environment: what the templates' `db.ts` take. */
  readonly config: DsqlConfig
  /** The name TLS verifies and tokens are signed for. */
  readonly endpoint: string
  /** Where to open TCP connections (the stand-in listens on 127.0.0.1). */
  readonly host: string
  readonly port: number
  /** The signing region; `undefined`: the SDK's own default (`AWS_REGION`). */
  readonly region: string | undefined
  /** The CA to trust; `undefined`: Node's own roots (a real cluster). */
  readonly caPem: string | undefined
}

/** A plain PostgreSQL with its own TLS and a static password: the baseline of the benchmark. */
export interface PostgresTarget {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly database: string
  readonly caPem: string
  /** The name its certificate is made out to. */
  readonly servername: string
}
