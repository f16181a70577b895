import { createTokenProvider, DsqlConfigError, dsqlTls, type TokenRefreshEvent } from 'dsql-auth'
import postgres from 'postgres'
import { describe, expect, it } from 'vitest'
import { createSql } from '../src/db.ts'
import { clusterConfig, sleep } from './cluster-config.ts'

/** Tokens that expire two seconds after signing; caching off, so each connection signs its own. */
const SHORT_LIVED = { DB_REFRESH_TOKEN: 'false', TOKEN_LIFETIME: '2' }

describe('IAM tokens and connections', () => {
  it('an open connection keeps working after its token expired, while the token itself is refused', async () => {
    const config = clusterConfig(SHORT_LIVED)
    const token = await createTokenProvider(config)()
    const withToken = () =>
      postgres({
        host: config.host,
        port: config.port,
        user: config.user,
        database: config.database,
        password: token,
        ssl: dsqlTls(config).ssl,
        max: 1,
      })
    const sql = withToken()
    try {
      await sql`select 1`
      await sleep(3_000)
      const [row] = await sql`select 1 as one`
      expect(row?.one).toBe(1)
      // The same token, now expired, no longer opens a connection.
      const late = withToken()
      try {
        await expect(late`select 1`).rejects.toThrow(/access denied/i)
      } finally {
        await late.end()
      }
    } finally {
      await sql.end()
    }
  })

  it('a connection opened after the first token expired gets a fresh token and succeeds', async () => {
    const events: TokenRefreshEvent[] = []
    const sql = createSql(clusterConfig(SHORT_LIVED), { max: 2, onRefresh: (e) => events.push(e) })
    try {
      const first = await sql.reserve()
      try {
        await first`select 1`
        await sleep(3_000)
        expect(events[0]?.expiresAt.getTime()).toBeLessThan(Date.now())
        const [row] = await sql`select 2 as two` // needs a second, new connection
        expect(row?.two).toBe(2)
        expect(events).toHaveLength(2)
      } finally {
        first.release()
      }
    } finally {
      await sql.end()
    }
  })

  it.each([
    ['on: many new connections share one cached token', 'true', 1],
    ['off: every new connection signs its own', 'false', 5],
  ])('token refresh %s', async (_name, refresh, signings) => {
    const events: TokenRefreshEvent[] = []
    const sql = createSql(clusterConfig({ DB_REFRESH_TOKEN: refresh }), {
      max: 5,
      onRefresh: (e) => events.push(e),
    })
    try {
      const reserved = await Promise.all(Array.from({ length: 5 }, () => sql.reserve()))
      const sessions = await Promise.all(
        reserved.map((r) => r`select sys.current_session_id() as id`),
      )
      for (const r of reserved) r.release()
      expect(new Set(sessions.map((rows) => rows[0]?.id)).size).toBe(5)
      expect(events).toHaveLength(signings)
    } finally {
      await sql.end()
    }
  })

  it.each(['0', '-30'])(
    'a token lifetime of %s fails at once with a clear error, not a hang',
    (lifetime) => {
      let error: unknown
      try {
        createSql(clusterConfig({ TOKEN_LIFETIME: lifetime }))
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
