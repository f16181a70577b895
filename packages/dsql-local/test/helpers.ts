import { DsqlSigner } from '@aws-sdk/dsql-signer'
import pg from 'pg'
import postgres from 'postgres'
import {
  type DsqlLocalCluster,
  type DsqlLocalLogger,
  type DsqlLocalOptions,
  startDsqlLocal,
} from '../src/index.ts'

/** A logger that keeps every line, so tests can assert the refusal reasons. */
export function captureLogger(): { readonly lines: string[]; readonly logger: DsqlLocalLogger } {
  const lines: string[] = []
  return {
    lines,
    logger: {
      info: (message) => lines.push(`info: ${message}`),
      warn: (message) => lines.push(`warn: ${message}`),
      error: (message) => lines.push(`error: ${message}`),
    },
  }
}

/** The real AWS signer for the cluster, with optional overrides (other host, region, keys). */
export function signerFor(
  cluster: DsqlLocalCluster,
  overrides: Partial<{
    hostname: string
    region: string
    expiresIn: number
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  }> = {},
): DsqlSigner {
  return new DsqlSigner({
    hostname: cluster.endpoint,
    region: cluster.region,
    credentials: cluster.credentials,
    ...overrides,
  })
}

/** Full verification: the stand-in's CA, the endpoint as SNI and host name. */
export function verifiedTls(cluster: DsqlLocalCluster) {
  return { ca: [cluster.caPem], servername: cluster.endpoint, rejectUnauthorized: true }
}

/** A `pg` client for the stand-in; `password` is called at connect time like a token provider. */
export function pgClient(
  cluster: DsqlLocalCluster,
  options: {
    user?: string
    password: () => Promise<string> | string
    sslnegotiation?: 'direct' | 'postgres'
    ssl?: pg.ClientConfig['ssl']
    /** The `options` startup parameter, e.g. `-c search_path=myschema`. */
    options?: string
  },
): pg.Client {
  const config: pg.ClientConfig & { sslnegotiation?: string } = {
    host: cluster.host,
    port: cluster.port,
    user: options.user ?? 'admin',
    database: 'postgres',
    password: options.password,
    ssl: options.ssl ?? verifiedTls(cluster),
    sslnegotiation: options.sslnegotiation ?? 'direct',
    connectionTimeoutMillis: 10_000,
    ...(options.options === undefined ? {} : { options: options.options }),
  }
  const client = new pg.Client(config)
  client.on('error', () => {})
  return client
}

/** A postgres.js pool of one connection (`sslnegotiation` is missing from its types). */
export function postgresJs(
  cluster: DsqlLocalCluster,
  options: {
    user?: string
    password: () => Promise<string>
    sslnegotiation?: 'direct' | 'postgres'
    /** Further startup parameters. */
    connection?: Record<string, string>
    /** TLS options; default {@link verifiedTls}. */
    ssl?: ReturnType<typeof verifiedTls> | Omit<ReturnType<typeof verifiedTls>, 'servername'>
  },
): postgres.Sql {
  const config = {
    host: cluster.host,
    port: cluster.port,
    user: options.user ?? 'admin',
    database: 'postgres',
    password: options.password,
    ssl: options.ssl ?? verifiedTls(cluster),
    sslnegotiation: options.sslnegotiation ?? 'direct',
    max: 1,
    connect_timeout: 10,
    onnotice: () => {},
    connection: options.connection ?? {},
  }
  return postgres(config)
}

/** Connects and returns the error the connection failed with (or throws if it succeeded). */
export async function connectError(client: pg.Client): Promise<Error & { code?: string }> {
  try {
    await client.connect()
  } catch (error) {
    return error as Error & { code?: string }
  }
  await client.end()
  throw new Error('the connection was accepted')
}

/** A started stand-in with one connected `pg` client and one postgres.js pool, both as `admin`. */
export interface AdminSessions {
  readonly cluster: DsqlLocalCluster
  readonly client: pg.Client
  readonly sql: postgres.Sql
  /** Ends both sessions and stops the stand-in. */
  stop(): Promise<void>
}

/**
 * Starts a stand-in with `options` and opens an admin session through each driver: the setup that
 * the SQL tests share.
 *
 * @example
 * ```ts
 * let s: AdminSessions
 * beforeAll(async () => { s = await startWithAdminSessions({ logger }) })
 * afterAll(() => s?.stop())
 * ```
 */
export async function startWithAdminSessions(
  options: DsqlLocalOptions = {},
): Promise<AdminSessions> {
  const cluster = await startDsqlLocal(options)
  const signer = signerFor(cluster)
  const client = pgClient(cluster, { password: () => signer.getDbConnectAdminAuthToken() })
  const sql = postgresJs(cluster, { password: () => signer.getDbConnectAdminAuthToken() })
  try {
    await client.connect()
  } catch (error) {
    await cluster.stop()
    throw error
  }
  return {
    cluster,
    client,
    sql,
    stop: async () => {
      await client.end().catch(() => {})
      await sql.end().catch(() => {})
      await cluster.stop()
    },
  }
}
