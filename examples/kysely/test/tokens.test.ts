import { createTokenProvider, DsqlConfigError, dsqlTls, type TokenRefreshEvent } from 'dsql-auth'
import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createDb } from '../src/db.ts'
import { clusterConfig, sleep } from './cluster-config.ts'

/** Tokens that expire two seconds after signing; caching off, so each connection signs its own. */
const SHORT_LIVED = { DB_REFRESH_TOKEN: 'false', TOKEN_LIFETIME: '2' }

describe('IAM tokens and connections', () => {
  it('an open connection keeps working after its token expired, while the token itself is refused', async () => {
    const config = clusterConfig(SHORT_LIVED)
    const token = await createTokenProvider(config)()
    const connect = async () => {
      const client = new pg.Client({
        host: config.host,
        port: config.port,
        user: config.user,
        database: config.database,
        password: token,
        ...dsqlTls(config),
      })
      await client.connect()
      return client
    }
    const client = await connect()
    try {
      await sleep(3_000)
      const { rows } = await client.query('select 1 as one')
      expect(rows[0].one).toBe(1)
      // The same token, now expired, no longer opens a connection.
      await expect(connect()).rejects.toThrow(/access denied/i)
    } finally {
      await client.end()
    }
  })

  it('a connection opened after the first token expired gets a fresh token and succeeds', async () => {
    const events: TokenRefreshEvent[] = []
    const db = createDb(clusterConfig(SHORT_LIVED), { max: 2, onRefresh: (e) => events.push(e) })
    try {
      await db.connection().execute(async (first) => {
        await sql`select 1`.execute(first)
        await sleep(3_000)
        expect(events[0]?.expiresAt.getTime()).toBeLessThan(Date.now())
        const { rows } = await sql<{ two: number }>`select 2 as two`.execute(db) // a second, new connection
        expect(rows[0]?.two).toBe(2)
        expect(events).toHaveLength(2)
      })
    } finally {
      await db.destroy()
    }
  })

  it.each([
    ['on: many new connections share one cached token', 'true', 1],
    ['off: every new connection signs its own', 'false', 5],
  ])('token refresh %s', async (_name, refresh, signings) => {
    const events: TokenRefreshEvent[] = []
    const db = createDb(clusterConfig({ DB_REFRESH_TOKEN: refresh }), {
      max: 5,
      onRefresh: (e) => events.push(e),
    })
    try {
      // Five connections held at once: each callback waits until all five have their session id.
      const ids: string[] = []
      let allIn!: () => void
      const gathered = new Promise<void>((resolve) => {
        allIn = resolve
      })
      await Promise.all(
        Array.from({ length: 5 }, () =>
          db.connection().execute(async (conn) => {
            const { rows } = await sql<{
              id: string
            }>`select sys.current_session_id() as id`.execute(conn)
            ids.push(rows[0]?.id ?? '')
            if (ids.length === 5) allIn()
            await gathered
          }),
        ),
      )
      expect(new Set(ids).size).toBe(5)
      expect(events).toHaveLength(signings)
    } finally {
      await db.destroy()
    }
  })

  it.each(['0', '-30'])(
    'a token lifetime of %s fails at once with a clear error, not a hang',
    (lifetime) => {
      let error: unknown
      try {
        createDb(clusterConfig({ TOKEN_LIFETIME: lifetime }))
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(DsqlConfigError)
      expect((error as Error).message).toContain(
        `TOKEN_LIFETIME must be a whole number from 1 to 604800, got "${lifetime}"`,
      )
    },
  )
})
