import type pg from 'pg'
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, DsqlLocalError, startDsqlLocal } from '../src/index.ts'
import {
  type AdminSessions,
  captureLogger,
  pgClient,
  signerFor,
  startWithAdminSessions,
} from './helpers.ts'

const multipleDdl = {
  code: '0A000',
  message: 'multiple ddl statements not supported in a transaction',
}
const ddlAndDml = {
  code: '0A000',
  message: 'ddl and dml are not supported in the same transaction',
}
const aborted = { code: '25P02' }

describe("DSQL's transaction rules", () => {
  let client: pg.Client
  let sql: postgres.Sql
  let n = 0
  let sessions: AdminSessions | undefined

  beforeAll(async () => {
    sessions = await startWithAdminSessions({ logger: captureLogger().logger })
    ;({ client, sql } = sessions)
  })
  afterAll(() => sessions?.stop())

  const exists = async (table: string) =>
    (await client.query('SELECT to_regclass($1) IS NOT NULL AS e', [table])).rows[0]?.e as boolean

  it('one DDL statement per transaction: the second fails, 25P02 follows, COMMIT rolls back', async () => {
    const i = ++n
    await client.query('BEGIN')
    await client.query(`CREATE TABLE tr_a${i} (id uuid PRIMARY KEY)`)
    await expect(client.query(`CREATE TABLE tr_b${i} (id uuid PRIMARY KEY)`)).rejects.toMatchObject(
      multipleDdl,
    )
    await expect(client.query('SELECT 1')).rejects.toMatchObject(aborted)
    expect((await client.query('COMMIT')).command).toBe('ROLLBACK')
    expect(await exists(`tr_a${i}`)).toBe(false)
  })

  it('DDL then DML, and DML then DDL, in one transaction are refused (postgres.js, extended protocol)', async () => {
    const i = ++n
    await sql.unsafe(`CREATE TABLE tr_c${i} (id uuid PRIMARY KEY, a int)`)
    await expect(
      sql.begin(async (tx) => {
        await tx.unsafe(`ALTER TABLE tr_c${i} ADD COLUMN b text`)
        await tx.unsafe(`INSERT INTO tr_c${i} (id, a) VALUES (gen_random_uuid(), 1)`)
      }),
    ).rejects.toMatchObject(ddlAndDml)
    await expect(
      sql.begin(async (tx) => {
        await tx.unsafe(`UPDATE tr_c${i} SET a = 2`)
        await tx`GRANT SELECT ON ${sql(`tr_c${i}`)} TO PUBLIC`
      }),
    ).rejects.toMatchObject(ddlAndDml)
    const columns =
      await sql`SELECT column_name FROM information_schema.columns WHERE table_name = ${`tr_c${i}`} ORDER BY 1`
    expect(columns.map((c) => c.column_name)).toEqual(['a', 'id'])
  })

  it('a multi-statement query is one transaction and follows the same rules', async () => {
    const i = ++n
    await expect(
      client.query(
        `CREATE TABLE tr_d${i} (id uuid PRIMARY KEY); CREATE TABLE tr_e${i} (id uuid PRIMARY KEY)`,
      ),
    ).rejects.toMatchObject(multipleDdl)
    expect(await exists(`tr_d${i}`)).toBe(false)
    await expect(
      client.query(
        `CREATE TABLE tr_f${i} (id uuid PRIMARY KEY); INSERT INTO tr_f${i} VALUES (gen_random_uuid())`,
      ),
    ).rejects.toMatchObject(ddlAndDml)
    expect(await exists(`tr_f${i}`)).toBe(false)
    // Separate transactions in one string are fine.
    await client.query(
      `BEGIN; CREATE TABLE tr_g${i} (id uuid PRIMARY KEY); COMMIT; BEGIN; INSERT INTO tr_g${i} VALUES (gen_random_uuid()); COMMIT`,
    )
    expect((await client.query(`SELECT count(*)::int AS c FROM tr_g${i}`)).rows).toEqual([{ c: 1 }])
  })

  it('GRANT and AWS IAM GRANT count as DDL; reads and SET do not', async () => {
    const i = ++n
    await client.query(`CREATE TABLE tr_h${i} (id uuid PRIMARY KEY)`)
    await client.query(`CREATE ROLE tr_r${i} WITH LOGIN`)
    await client.query('BEGIN')
    await client.query('SET search_path = public')
    await client.query(`SELECT * FROM tr_h${i}`)
    await client.query(`GRANT SELECT ON tr_h${i} TO tr_r${i}`)
    await expect(
      client.query(`AWS IAM GRANT tr_r${i} TO 'arn:aws:iam::111122223333:role/tr'`),
    ).rejects.toMatchObject(multipleDdl)
    await client.query('ROLLBACK')
    await client.query(`AWS IAM GRANT tr_r${i} TO 'arn:aws:iam::111122223333:role/tr'`)
  })

  it('a refused statement outside a transaction aborts nothing', async () => {
    const i = ++n
    await client.query(`CREATE TABLE tr_k${i} (id uuid PRIMARY KEY)`)
    await client.query(`INSERT INTO tr_k${i} VALUES (gen_random_uuid())`)
    await expect(client.query(`TRUNCATE tr_k${i}`)).rejects.toMatchObject({ code: '0A000' })
    expect((await client.query(`SELECT count(*)::int AS c FROM tr_k${i}`)).rows).toEqual([{ c: 1 }])
  })
})

describe('transaction age limit and relaxed rules', () => {
  let cluster: DsqlLocalCluster
  let client: pg.Client

  beforeAll(async () => {
    cluster = await startDsqlLocal({
      logger: captureLogger().logger,
      transactionAgeLimitMs: 300,
      relaxRules: ['truncate', 'ddl-dml', 'advisory-lock'],
    })
    const signer = signerFor(cluster)
    client = pgClient(cluster, { password: () => signer.getDbConnectAdminAuthToken() })
    await client.connect()
  })
  afterAll(async () => {
    await client?.end()
    await cluster?.stop()
  })

  it('a transaction older than the limit fails its next statement and its COMMIT', async () => {
    await client.query('CREATE TABLE age_t (id uuid PRIMARY KEY)')
    await client.query('BEGIN')
    await client.query('INSERT INTO age_t VALUES (gen_random_uuid())')
    await new Promise((resolve) => setTimeout(resolve, 400))
    await expect(client.query('SELECT 1')).rejects.toMatchObject({
      code: '54000',
      message: 'transaction age limit of 300s exceeded',
    })
    await client.query('ROLLBACK')
    await client.query('BEGIN')
    await client.query('INSERT INTO age_t VALUES (gen_random_uuid())')
    await new Promise((resolve) => setTimeout(resolve, 400))
    await expect(client.query('COMMIT')).rejects.toMatchObject({ code: '54000' })
    // The COMMIT ended the transaction (rolled back), as on DSQL.
    expect((await client.query('SELECT count(*)::int AS c FROM age_t')).rows).toEqual([{ c: 0 }])
  })

  it('relaxRules switches single rules off and leaves the others on', async () => {
    await client.query('CREATE TABLE relax_t (id uuid PRIMARY KEY)')
    await client.query('TRUNCATE relax_t')
    await client.query('SELECT pg_advisory_lock(7), pg_advisory_unlock(7)')
    await client.query(
      'BEGIN; CREATE TABLE relax_u (id uuid PRIMARY KEY); INSERT INTO relax_t VALUES (gen_random_uuid()); COMMIT',
    )
    await expect(client.query('CREATE INDEX ON relax_t (id)')).rejects.toMatchObject({
      code: '0A000',
    })
  })

  it('an unknown rule id is refused at start, naming it and the known ones', async () => {
    const error = await startDsqlLocal({ relaxRules: ['truncat'] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DsqlLocalError)
    expect((error as DsqlLocalError).code).toBe('INVALID_OPTIONS')
    expect((error as Error).message).toMatch(/unknown rule "truncat".*truncate/)
    const fixed = await startDsqlLocal({ relaxRules: ['too-complex'] }).catch((e: unknown) => e)
    expect((fixed as Error).message).toMatch(/"too-complex" cannot be switched off/)
  })
})
