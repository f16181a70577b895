import pg from 'pg'

/** One server the benchmark measures: a stand-in, or PostgreSQL's own TLS as the ceiling. */
export interface BenchTarget {
  /** `a`, `b` or `c`: the letter the report uses. */
  readonly id: string
  /** What it is, for the report. */
  readonly label: string
  /**
   * How to reach it with any driver (PostgreSQL's own TLS target only): host, port, a static
   * password and the CA to verify its certificate for `servername`.
   */
  readonly connection?: {
    readonly host: string
    readonly port: number
    readonly user: string
    readonly password: string
    readonly database: string
    readonly caPem: string
    readonly servername: string
  }
  /** Opens one client with verified TLS; the caller ends it. */
  connect(): Promise<pg.Client>
  /** Stops the server and removes its files. Idempotent. */
  stop(): Promise<void>
}

/** Connects a `pg.Client`, ending it (and keeping its late errors quiet) if the connect fails. */
export async function connectClient(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({
    connectionTimeoutMillis: 10_000,
    ...config,
  })
  // A server stopped under a connected client (Ctrl-C) surfaces here; the query loop sees it too.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
  return client
}
