import { type DsqlLocalCluster, startDsqlLocal } from 'dsql-local'
import { Kysely, sql as kyselySql, PostgresDialect } from 'kysely'
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
} from '../src/index.ts'

// What dsql-auth hands to drivers, used by the real drivers against dsql-local: a real PostgreSQL 16
// behind a TLS front that verifies the tokens and reports how each session negotiated TLS.
let cluster: DsqlLocalCluster
let config: DsqlConfig
const sessions: string[] = []

beforeAll(async () => {
  cluster = await startDsqlLocal({
    logger: {
      info: (line) => sessions.push(line),
      warn: () => {},
      error: (line) => sessions.push(line),
    },
  })
  config = loadConfig(cluster.env)
})
afterAll(() => cluster?.stop())

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
      const { rows } = await client.query(
        'select current_user as user, sys.current_session_id() as id',
      )
      expect(rows[0].user).toBe('admin')
      expect(sessions.filter((line) => line.includes('(direct TLS)'))).not.toEqual([])
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

describe('isOccConflict on real serialization failures (SQLSTATE 40001) from each driver', () => {
  /** Two transactions update one row; the second fails at its UPDATE or COMMIT with 40001. */
  async function conflict(
    begin: () => Promise<{ run: (text: string) => Promise<unknown>; end: () => Promise<void> }>,
  ): Promise<unknown> {
    const setup = pgClient()
    await setup.connect()
    await setup.query('create table if not exists counter (id int primary key, n int not null)')
    await setup.query('insert into counter values (1, 0) on conflict (id) do nothing')
    await setup.end()
    const [first, second] = [await begin(), await begin()]
    try {
      await first.run('begin')
      await second.run('begin')
      await second.run('select n from counter where id = 1') // the snapshot is taken here
      await first.run('update counter set n = n + 1 where id = 1')
      await first.run('commit')
      return await second
        .run('update counter set n = n + 1 where id = 1')
        .then(() => second.run('commit'))
        .then(
          () => undefined,
          (error: unknown) => error,
        )
    } finally {
      await second.run('rollback').catch(() => {})
      await first.end()
      await second.end()
    }
  }

  it('pg', async () => {
    const error = await conflict(async () => {
      const client = pgClient()
      await client.connect()
      return { run: (text) => client.query(text), end: () => client.end() }
    })
    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(sqlState(error)).toBe('40001')
    expect(isOccConflict(error)).toBe(true)
  })

  it('postgres.js', async () => {
    const error = await conflict(async () => {
      const sql = postgresJs()
      const reserved = await sql.reserve()
      return {
        run: (text) => reserved.unsafe(text),
        end: async () => {
          reserved.release()
          await sql.end()
        },
      }
    })
    expect(error).toBeInstanceOf(postgres.PostgresError)
    expect(sqlState(error)).toBe('40001')
    expect(isOccConflict(error)).toBe(true)
  })

  it('Kysely over pg', async () => {
    const error = await conflict(async () => {
      // A pool of one: every statement Kysely runs goes to the same connection, BEGIN to COMMIT.
      const pool = new pg.Pool({ ...connection(), max: 1 })
      const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) })
      return { run: (text) => kyselySql.raw(text).execute(db), end: () => db.destroy() }
    })
    expect(sqlState(error)).toBe('40001')
    expect(isOccConflict(error)).toBe(true)
  })
})
