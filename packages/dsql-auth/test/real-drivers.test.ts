import { type DsqlLocalCluster, startDsqlLocal } from 'dsql-local'
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTokenProvider,
  type DsqlConfig,
  dsqlTls,
  isOccConflict,
  loadConfig,
  sqlState,
  type TokenRefreshEvent,
  withRetry,
} from '../src/index.ts'

// What dsql-auth hands to drivers, used by the real drivers against dsql-local: a real PostgreSQL 16
// behind a TLS front that verifies the tokens and reports how each session negotiated TLS.
let cluster: DsqlLocalCluster
let config: DsqlConfig
const sessions: string[] = []
/** The stand-in's warnings: refused connections, each with its exact reason. */
const refusals: string[] = []

beforeAll(async () => {
  cluster = await startDsqlLocal({
    logger: {
      info: (line) => sessions.push(line),
      warn: (line) => refusals.push(line),
      error: (line) => sessions.push(line),
    },
  })
  config = loadConfig(cluster.env)
})
afterAll(() => cluster?.stop())

/**
 * How the stand-in says each session from the client port `port` negotiated TLS (`direct TLS` or
 * `SSLRequest`), from its lines `session of "<user>" (<arn>) from <address>:<port> (<how>)`.
 */
const sessionsFrom = (port: number) =>
  sessions.flatMap((line) => {
    const match = /^session of .* from \S+:(\d+) \((direct TLS|SSLRequest)\)$/.exec(line)
    return match?.[1] === String(port) ? [match[2]] : []
  })

/** The local port of a connected `pg` client (pg-pool itself reaches `connection.stream`). */
const localPort = (client: pg.Client) =>
  (client as unknown as { connection: { stream: { localPort: number } } }).connection.stream
    .localPort

/** Sessions the stand-in opened after a direct TLS handshake (ALPN `postgresql`, no SSLRequest). */
const directSessions = () =>
  sessions.filter((line) => /^session of .*\(direct TLS\)$/.test(line)).length
const UNTRUSTED =
  /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/

/** What both drivers take alike: where to connect, who as, the token provider and verified direct TLS. */
function connection(settings: DsqlConfig = config) {
  return {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    database: settings.database,
    password: createTokenProvider(settings, { credentials: cluster.credentials }),
    ...dsqlTls(settings),
  }
}

function pgClient(settings: DsqlConfig = config): pg.Client {
  return new pg.Client(connection(settings))
}

function postgresJs(settings: DsqlConfig = config): postgres.Sql {
  const options = { ...connection(settings), max: 1 }
  return postgres(options)
}

describe('dsqlTls and createTokenProvider with the real drivers', () => {
  it('pg connects over direct TLS with a verified certificate and an IAM token', async () => {
    const client = pgClient()
    await client.connect()
    try {
      const { rows } = await client.query('select current_user as user')
      expect(rows[0].user).toBe('admin')
      // The stand-in's line for this very connection: it names the client's own port.
      expect(sessionsFrom(localPort(client))).toEqual(['direct TLS'])
    } finally {
      await client.end()
    }
  })

  it('postgres.js connects over direct TLS with a verified certificate and an IAM token', async () => {
    const before = directSessions()
    const sql = postgresJs()
    try {
      const [row] = await sql`select current_user as user`
      expect(row?.user).toBe('admin')
      expect(directSessions()).toBe(before + 1)
    } finally {
      await sql.end()
    }
  })

  it('signs for the endpoint’s region when AWS_REGION names another one (Lambda in another region)', async () => {
    const elsewhere = cluster.region === 'eu-central-1' ? 'ap-southeast-2' : 'eu-central-1'
    const settings = loadConfig({ ...cluster.env, REGION: '', AWS_REGION: elsewhere })
    const client = pgClient(settings)
    await client.connect()
    try {
      const { rows } = await client.query('select current_user as user')
      expect(rows[0].user).toBe('admin')
    } finally {
      await client.end()
    }
  })

  it('without the cluster CA, both drivers refuse the server certificate', async () => {
    const untrusting = loadConfig({ ...cluster.env, DB_SSL_ROOT_CERT: '' })
    const client = pgClient(untrusting)
    await expect(client.connect()).rejects.toMatchObject({ code: expect.stringMatching(UNTRUSTED) })
    const sql = postgresJs(untrusting)
    try {
      await expect(sql`select 1`).rejects.toMatchObject({ code: expect.stringMatching(UNTRUSTED) })
    } finally {
      await sql.end()
    }
  })
})

describe('one TLS context for every connection of every pool, still verifying', () => {
  /** A valid endpoint of the same region that the stand-in's certificate does not name. */
  const otherEndpoint = () => cluster.endpoint.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))
  /** The TLS context a connected `pg` client's socket was made with (Node keeps its TLS options). */
  const contextOf = (client: pg.PoolClient) =>
    (
      client as unknown as {
        connection: { stream: { _tlsOptions?: { secureContext?: unknown } } }
      }
    ).connection.stream._tlsOptions?.secureContext

  it('two pg pools hand the same context object to each connection, and both verify', async () => {
    const pools = [
      new pg.Pool({ ...connection(), max: 2 }),
      new pg.Pool({ ...connection(), max: 2 }),
    ]
    try {
      const clients = await Promise.all(pools.flatMap((pool) => [pool.connect(), pool.connect()]))
      try {
        const contexts = new Set(clients.map(contextOf))
        expect(contexts).toEqual(new Set([dsqlTls(config).ssl.secureContext]))
        for (const client of clients) {
          const { rows } = await client.query('select current_user as user')
          expect(rows[0].user).toBe('admin')
        }
      } finally {
        for (const client of clients) client.release()
      }
    } finally {
      await Promise.all(pools.map((pool) => pool.end()))
    }
  })

  it('two postgres.js clients share it and connect over verified TLS', async () => {
    const before = directSessions()
    const clients = [postgresJs(), postgresJs()]
    try {
      for (const sql of clients) {
        const [row] = await sql`select current_user as user`
        expect(row?.user).toBe('admin')
        expect(sql.options.ssl).toMatchObject({ secureContext: dsqlTls(config).ssl.secureContext })
      }
      expect(directSessions()).toBe(before + 2)
    } finally {
      await Promise.all(clients.map((sql) => sql.end()))
    }
  })

  it('with the shared context, both drivers refuse a certificate that names another endpoint', async () => {
    const elsewhere = loadConfig({ ...cluster.env, CLUSTER_ENDPOINT: otherEndpoint() })
    expect(dsqlTls(elsewhere).ssl.secureContext).toBe(dsqlTls(config).ssl.secureContext)
    const client = pgClient(elsewhere)
    await expect(client.connect()).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
    const sql = postgresJs(elsewhere)
    try {
      await expect(sql`select 1`).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
    } finally {
      await sql.end()
    }
  })
})

describe('a token the server refused is not handed out again once the refusal is reported', () => {
  /**
   * A credential source whose first answer is a session that has since been revoked (the stand-in
   * knows no session token for this key, so it refuses the token with 08006); asked again, it has
   * the current credentials. It sets no expiration, so only a forced refresh asks it again.
   */
  function revokedThenCurrent() {
    const { accessKeyId, secretAccessKey } = cluster.credentials
    let resolutions = 0
    const credentials = async () => {
      resolutions++
      return resolutions === 1
        ? { accessKeyId, secretAccessKey, sessionToken: 'revoked-session' }
        : { accessKeyId, secretAccessKey }
    }
    return { credentials, resolutions: () => resolutions }
  }

  const ACCESS_DENIED = { code: '08006', message: 'unable to accept connection, access denied' }

  it('pg: the refused token is reused until reported, then the next connection signs a new one', async () => {
    const { credentials, resolutions } = revokedThenCurrent()
    const events: TokenRefreshEvent[] = []
    const password = createTokenProvider(config, { credentials, onRefresh: (e) => events.push(e) })
    const settings = { ...connection(), password }
    const refusalsBefore = refusals.length

    const error = await new pg.Client(settings).connect().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(error).toMatchObject(ACCESS_DENIED)
    expect(refusals.slice(refusalsBefore).join('\n')).toMatch(/carries a session token/)
    // Not reported: the cached token goes out again and is refused again.
    await expect(new pg.Client(settings).connect()).rejects.toMatchObject(ACCESS_DENIED)

    expect(password.reportConnectError(error)).toBe(true)
    const client = new pg.Client(settings)
    await client.connect()
    try {
      const { rows } = await client.query('select current_user as user')
      expect(rows[0].user).toBe('admin')
    } finally {
      await client.end()
    }
    expect(resolutions()).toBe(2)
    expect(events.map((e) => e.reason)).toEqual(['first', 'refused'])
  })

  it('postgres.js: after the refusal is reported, its next connection gets a new token', async () => {
    const { credentials, resolutions } = revokedThenCurrent()
    const password = createTokenProvider(config, { credentials })
    const sql = postgres({ ...connection(), password, max: 1 })
    try {
      const error = await sql`select 1`.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(postgres.PostgresError)
      expect(error).toMatchObject(ACCESS_DENIED)
      expect(password.reportConnectError(error)).toBe(true)
      const [row] = await sql`select current_user as user`
      expect(row?.user).toBe('admin')
      expect(resolutions()).toBe(2)
    } finally {
      await sql.end()
    }
  })
})

describe('withRetry on optimistic-concurrency conflicts (SQLSTATE 40001) raised by each driver', () => {
  beforeAll(async () => {
    const setup = pgClient()
    await setup.connect()
    try {
      await setup.query(
        'create table if not exists counter (id uuid primary key default gen_random_uuid(), n int not null)',
      )
    } finally {
      await setup.end()
    }
  })

  describe.each([
    { driver: 'pg', open: pgSession, errorClass: pg.DatabaseError },
    { driver: 'postgres.js', open: postgresJsSession, errorClass: postgres.PostgresError },
    { driver: 'Kysely over pg', open: kyselySession, errorClass: pg.DatabaseError },
  ])('$driver', ({ open, errorClass }) => {
    /** The checks every conflict the driver raised must pass, whatever its DSQL code. */
    function expectConflicts(errors: unknown[], code: 'OC000' | 'OC001'): void {
      for (const error of errors) {
        expect(error).toBeInstanceOf(errorClass)
        expect(error).toMatchObject({ message: expect.stringContaining(`(${code})`) })
        expect(sqlState(error)).toBe('40001')
        expect(isOccConflict(error)).toBe(true)
      }
    }

    it.each(['OC000', 'OC001'] as const)(
      'runs a transaction three times when its first two COMMITs fail with %s, and one increment stays',
      async (code) => {
        const session = await open()
        try {
          const id = await newCounter(session.query)
          cluster.injectConflicts({ count: 2, code, sessionId: session.id })
          const attempts: number[] = []
          const ranToCommit: number[] = []
          const conflicts: unknown[] = []
          await withRetry(
            async (attempt) => {
              attempts.push(attempt)
              await session.transaction(async (query) => {
                const n = await readCounter(query, id)
                await query('update counter set n = $2 where id = $1', [id, n + 1])
                ranToCommit.push(attempt)
              })
            },
            { baseDelayMs: 1, onRetry: (e) => conflicts.push(e.error) },
          )

          expect(attempts).toEqual([1, 2, 3])
          // Every statement of every attempt succeeded: the first two failed at COMMIT.
          expect(ranToCommit).toEqual([1, 2, 3])
          expect(conflicts).toHaveLength(2)
          expectConflicts(conflicts, code)
          expect(await readCounter(session.query, id)).toBe(1)
        } finally {
          await session.end()
        }
      },
    )

    it('runs a transaction again when another one changed and committed the row it read, and loses no update', async () => {
      const session = await open()
      const other = pgClient()
      await other.connect()
      try {
        const id = await newCounter(session.query)
        const attempts: number[] = []
        const conflicts: unknown[] = []
        await withRetry(
          async (attempt) => {
            attempts.push(attempt)
            await session.transaction(async (query) => {
              const n = await readCounter(query, id)
              if (attempt === 1) {
                await other.query('update counter set n = n + 10 where id = $1', [id])
              }
              await query('update counter set n = $2 where id = $1', [id, n + 1])
            })
          },
          { baseDelayMs: 1, onRetry: (e) => conflicts.push(e.error) },
        )

        expect(attempts).toEqual([1, 2])
        expect(conflicts).toHaveLength(1)
        expectConflicts(conflicts, 'OC000')
        expect(await readCounter(session.query, id)).toBe(11) // the other's 10 and this one's 1
      } finally {
        await other.end()
        await session.end()
      }
    })

    it.each(['OC000', 'OC001'])(
      'runs a statement once when it fails with another error whose message holds %s (22P02 for a bad uuid)',
      async (code) => {
        const session = await open()
        try {
          const attempts: number[] = []
          const error = await withRetry(
            async (attempt) => {
              attempts.push(attempt)
              await session.query('select $1::uuid as id', [code])
            },
            { baseDelayMs: 1 },
          ).catch((e: unknown) => e)

          expect(attempts).toEqual([1])
          // The driver's own error, rethrown untouched: not a DsqlRetryError saying "kept conflicting".
          expect(error).toBeInstanceOf(errorClass)
          expect(error).toMatchObject({
            message: `invalid input syntax for type uuid: "${code}"`,
          })
          expect(sqlState(error)).toBe('22P02')
          expect(isOccConflict(error)).toBe(false)
        } finally {
          await session.end()
        }
      },
    )
  })
})

/** One statement with `$n` parameters; resolves to its rows. */
type Query = (text: string, params?: (string | number)[]) => Promise<Record<string, unknown>[]>

/** One connection of a driver, as the retry tests use it. */
interface Session {
  /** `sys.current_session_id()` of the connection: where injected conflicts are aimed. */
  readonly id: string
  /** A statement of its own, committed at once. */
  readonly query: Query
  /** Runs `work` between BEGIN and COMMIT, the driver's own way, and rolls back when either fails. */
  transaction(work: (query: Query) => Promise<void>): Promise<void>
  end(): Promise<void>
}

async function sessionOn(
  query: Query,
  rest: Pick<Session, 'transaction' | 'end'>,
): Promise<Session> {
  const [row] = await query('select sys.current_session_id() as id')
  return { id: String(row?.id), query, ...rest }
}

async function pgSession(): Promise<Session> {
  const client = pgClient()
  await client.connect()
  const query: Query = async (text, params = []) => (await client.query(text, params)).rows
  return sessionOn(query, {
    async transaction(work) {
      await client.query('begin')
      try {
        await work(query)
        await client.query('commit')
      } catch (error) {
        await client.query('rollback')
        throw error
      }
    },
    end: () => client.end(),
  })
}

async function postgresJsSession(): Promise<Session> {
  const sql = postgresJs() // one connection: `max: 1`
  const on =
    (run: postgres.Sql | postgres.TransactionSql): Query =>
    async (text, params = []) => [...(await run.unsafe(text, params))]
  return sessionOn(on(sql), {
    async transaction(work) {
      await sql.begin((tx) => work(on(tx)))
    },
    end: () => sql.end(),
  })
}

async function kyselySession(): Promise<Session> {
  // A pool of one: every statement Kysely runs goes to the same connection, BEGIN to COMMIT.
  const pool = new pg.Pool({ ...connection(), max: 1 })
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) })
  const on =
    (run: Kysely<Record<string, never>>): Query =>
    async (text, params = []) =>
      (await run.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, params))).rows
  return sessionOn(on(db), {
    transaction: (work) => db.transaction().execute((trx) => work(on(trx))),
    end: () => db.destroy(),
  })
}

/** A new row of `counter` at 0; returns its id. */
async function newCounter(query: Query): Promise<string> {
  const [row] = await query('insert into counter (n) values (0) returning id')
  return String(row?.id)
}

async function readCounter(query: Query, id: string): Promise<number> {
  const [row] = await query('select n from counter where id = $1', [id])
  return Number(row?.n)
}
