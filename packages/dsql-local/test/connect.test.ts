import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, startDsqlLocal } from '../src/index.ts'
import { captureLogger, connectError, pgClient, postgresJs, signerFor } from './helpers.ts'

describe('connecting with real drivers and real tokens', () => {
  const { lines, logger } = captureLogger()
  let cluster: DsqlLocalCluster
  const adminToken = () => signerFor(cluster).getDbConnectAdminAuthToken()

  beforeAll(async () => {
    cluster = await startDsqlLocal({ logger })
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  for (const sslnegotiation of ['direct', 'postgres'] as const) {
    const mode = sslnegotiation === 'direct' ? 'direct TLS' : 'SSLRequest'

    it(`pg over ${mode} runs queries as admin at REPEATABLE READ`, async () => {
      const client = pgClient(cluster, { password: adminToken, sslnegotiation })
      await client.connect()
      try {
        const { rows } = await client.query(
          `SELECT current_user AS role, current_setting('transaction_isolation') AS isolation,
                  current_setting('TimeZone') AS time_zone, sys.current_session_id() AS session, (SELECT rolsuper FROM pg_roles WHERE rolname = 'admin') AS superuser`,
        )
        expect(rows[0]).toMatchObject({
          role: 'admin',
          isolation: 'repeatable read',
          time_zone: 'UTC',
          superuser: false,
        })
        expect(rows[0].session).toMatch(/^[0-9a-f]{24}$/)
        expect(lines.at(-1)).toContain(`(${mode})`)
      } finally {
        await client.end()
      }
    })

    it(`postgres.js over ${mode} runs queries as admin`, async () => {
      const sql = postgresJs(cluster, { password: adminToken, sslnegotiation })
      try {
        const [row] = await sql`SELECT current_user AS role, ${'text'}::text AS bound`
        expect(row).toEqual({ role: 'admin', bound: 'text' })
        expect(lines.at(-1)).toContain(`(${mode})`)
      } finally {
        await sql.end()
      }
    })
  }

  it('gives each session its own sys.current_session_id()', async () => {
    const sql = postgresJs(cluster, { password: adminToken })
    const other = postgresJs(cluster, { password: adminToken })
    try {
      const [[a], [b]] = await Promise.all([
        sql`SELECT sys.current_session_id() AS id`,
        other`SELECT sys.current_session_id() AS id`,
      ])
      expect(a?.id).not.toBe(b?.id)
    } finally {
      await Promise.all([sql.end(), other.end()])
    }
  })

  it('lets admin create roles, schemas and tables, but not become a superuser or change server settings', async () => {
    const client = pgClient(cluster, { password: adminToken })
    await client.connect()
    try {
      await client.query('CREATE ROLE reporter WITH LOGIN')
      await client.query('CREATE SCHEMA myschema')
      await client.query('CREATE TABLE myschema.items (id int PRIMARY KEY, name text)')
      await client.query(`INSERT INTO myschema.items VALUES (1, 'one')`)
      await client.query('GRANT USAGE ON SCHEMA myschema TO reporter')
      expect((await client.query('SELECT name FROM myschema.items')).rows).toEqual([
        { name: 'one' },
      ])
      await client.query('CREATE TABLE public.t (id int)')
      await expect(client.query('SET ROLE dsql_local_bootstrap')).rejects.toMatchObject({
        code: '42501',
      })
      await expect(
        client.query('SET SESSION AUTHORIZATION dsql_local_bootstrap'),
      ).rejects.toMatchObject({ code: '42501' })
      await expect(client.query('ALTER ROLE admin SUPERUSER')).rejects.toMatchObject({
        code: '42501',
      })
      await expect(client.query(`ALTER SYSTEM SET work_mem = '1GB'`)).rejects.toMatchObject({
        code: '0A000',
        message: 'unsupported statement: AlterSystem',
      })
      await expect(client.query('CREATE EXTENSION pgcrypto')).rejects.toMatchObject({
        code: '0A000',
      })
      await expect(
        client.query(`AWS IAM GRANT dsql_local_bootstrap TO 'arn:aws:iam::000000000000:user/x'`),
      ).rejects.toMatchObject({ code: '42501' })
    } finally {
      await client.end()
    }
  })

  it('keeps an open session working after its token expired', async () => {
    // Three seconds: X-Amz-Date has whole seconds, and a busy machine may take a while to connect.
    const token = await signerFor(cluster, { expiresIn: 3 }).getDbConnectAdminAuthToken()
    const client = pgClient(cluster, { password: () => token })
    await client.connect()
    try {
      await new Promise((resolve) => setTimeout(resolve, 4100))
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      // A new connection with the same token is refused: it is checked at connect time only.
      expect(await connectError(pgClient(cluster, { password: () => token }))).toMatchObject({
        code: '08006',
        hint: expect.stringMatching(/^Signature expired: /),
      })
    } finally {
      await client.end()
    }
  })

  it('routes a cancel request to the session it names', async () => {
    const sql = postgresJs(cluster, { password: adminToken })
    try {
      const query = sql`SELECT pg_sleep(20)`
      const started = Date.now()
      setTimeout(() => query.cancel(), 300)
      await expect(query).rejects.toMatchObject({ code: '57014' })
      expect(Date.now() - started).toBeLessThan(10_000)
      expect((await sql`SELECT 1 AS one`)[0]).toEqual({ one: 1 })
    } finally {
      await sql.end()
    }
  })

  it('accepts 200 concurrent connections', async () => {
    const signer = signerFor(cluster)
    const clients = Array.from({ length: 200 }, () =>
      pgClient(cluster, { password: () => signer.getDbConnectAdminAuthToken() }),
    )
    try {
      await Promise.all(clients.map((client) => client.connect()))
      const ids = await Promise.all(
        clients.map(
          async (client) =>
            (await client.query('SELECT sys.current_session_id() AS id')).rows[0].id,
        ),
      )
      expect(new Set(ids).size).toBe(200)
    } finally {
      await Promise.all(clients.map((client) => client.end().catch(() => {})))
    }
  })
})
