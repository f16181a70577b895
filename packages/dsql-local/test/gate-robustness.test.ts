import type pg from 'pg'
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AdminSessions, captureLogger, startWithAdminSessions } from './helpers.ts'

const truncateRefused = { code: '0A000', message: 'unsupported statement: Truncate' }

describe('the SQL gate under unusual input', () => {
  let client: pg.Client
  let sql: postgres.Sql
  const log = captureLogger()
  let sessions: AdminSessions | undefined

  beforeAll(async () => {
    sessions = await startWithAdminSessions({ logger: log.logger, transactionAgeLimitMs: 500 })
    ;({ client, sql } = sessions)
    await client.query('CREATE TABLE g_t (id bigint PRIMARY KEY, a int, b text)')
    await client.query('INSERT INTO g_t SELECT g, g, null FROM generate_series(1, 5) g')
  })
  afterAll(() => sessions?.stop())

  const rows = async () =>
    (await client.query('SELECT count(*)::int AS n FROM g_t')).rows[0]?.n as number

  it('finds statements by character, not byte, in text with non-ASCII characters', async () => {
    await expect(
      client.query(`SELECT '${'é'.repeat(40)}'; TRUNCATE g_t; COMMIT`),
    ).rejects.toMatchObject(truncateRefused)
    expect(await rows()).toBe(5)
    const result = await client.query(
      `SELECT 'ü€😀' AS x; CREATE INDEX ASYNC ON g_t (b) WHERE b <> 'é'`,
    )
    const [select, index] = result as unknown as [pg.QueryResult, pg.QueryResult]
    expect(select.rows).toEqual([{ x: 'ü€😀' }])
    expect(index.rows[0]?.job_id).toMatch(/^[a-z2-7]{26}$/)
  })

  it('answers every one of many refusals in flight with DSQL error, never the internal marker', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 150 }, (_, i) => sql.unsafe(`TRUNCATE g_t /* ${i} */`)),
    )
    expect(results.every((r) => r.status === 'rejected')).toBe(true)
    const errors = results.map(
      (r) => (r as PromiseRejectedResult).reason as Error & { code?: string },
    )
    expect(errors.filter((e) => e.code !== '0A000')).toEqual([])
    expect(errors.some((e) => e.message.includes('dsql-local:'))).toBe(false)
    expect(await rows()).toBe(5)
  })

  it('masks string literals in the log whatever quoting they use', async () => {
    for (const text of [
      'CREATE TABLE g_s AS SELECT $$hunter2$$',
      "CREATE TABLE g_s AS SELECT E'x\\'hunter2'",
      "-- don't log this\nCREATE TABLE g_s AS SELECT 'hunter2' AS pw",
      `CREATE TABLE g_s AS SELECT 1 AS "it's", 'hunter2'`,
    ]) {
      await expect(client.query(text)).rejects.toMatchObject({ code: '0A000' })
    }
    expect(log.lines.filter((l) => l.includes('create-table-as'))).toHaveLength(4)
    expect(log.lines.join('\n')).not.toContain('hunter2')
  })

  it('a COMMIT past the age limit over the extended protocol ends the transaction (pg, postgres.js)', async () => {
    await client.query({ text: 'BEGIN', queryMode: 'extended' } as never)
    await client.query('INSERT INTO g_t VALUES ($1, 0, null)', [100])
    await new Promise((resolve) => setTimeout(resolve, 700))
    await expect(
      client.query({ text: 'COMMIT', queryMode: 'extended' } as never),
    ).rejects.toMatchObject({
      code: '54000',
      message: 'transaction age limit of 300s exceeded',
    })
    // No 25P02: the transaction is over, and its insert is gone.
    expect(await rows()).toBe(5)
    await expect(
      sql.begin(async (tx) => {
        await tx`INSERT INTO g_t VALUES (101, 0, null)`
        await new Promise((resolve) => setTimeout(resolve, 700))
      }),
    ).rejects.toMatchObject({ code: '54000' })
    expect(await sql`SELECT count(*)::int AS n FROM g_t`).toEqual([{ n: 5 }])
  })

  it('answers a column definition without a type with PostgreSQL own error, not a closed connection', async () => {
    await expect(
      client.query(
        'CREATE TABLE g_of OF g_missing_type (a WITH OPTIONS GENERATED ALWAYS AS IDENTITY)',
      ),
    ).rejects.toMatchObject({ code: '42704' })
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })

  it('judges the statement inside EXPLAIN ANALYZE and behind SQL-level PREPARE / EXECUTE', async () => {
    await expect(
      client.query('EXPLAIN ANALYZE CREATE TABLE g_x AS SELECT 1'),
    ).rejects.toMatchObject({
      code: '0A000',
      message: 'unsupported statement: CreateTableAs',
    })
    await client.query('EXPLAIN SELECT * FROM g_t')
    await client.query('PREPARE g_ins (bigint) AS INSERT INTO g_t VALUES ($1, 0, null)')
    await client.query('BEGIN')
    await client.query('CREATE TABLE g_y (id uuid PRIMARY KEY)')
    await expect(client.query('EXECUTE g_ins (200)')).rejects.toMatchObject({
      code: '0A000',
      message: 'ddl and dml are not supported in the same transaction',
    })
    await client.query('ROLLBACK')
    await client.query('BEGIN')
    await client.query('CREATE TABLE g_y (id uuid PRIMARY KEY)')
    await expect(
      client.query('EXPLAIN ANALYZE INSERT INTO g_t VALUES (201, 0, null)'),
    ).rejects.toMatchObject({
      message: 'ddl and dml are not supported in the same transaction',
    })
    await client.query('ROLLBACK')
    await client.query('DEALLOCATE g_ins')
  })

  it('COPY TO is a read: allowed next to DDL; COPY FROM is a write', async () => {
    await client.query('BEGIN')
    await client.query('CREATE TABLE g_c (id uuid PRIMARY KEY)')
    await expect(client.query('COPY g_t FROM STDIN')).rejects.toMatchObject({
      message: 'ddl and dml are not supported in the same transaction',
    })
    await client.query('ROLLBACK')
    const copied = await sql.begin(async (tx) => {
      await tx`CREATE TABLE g_c (id uuid PRIMARY KEY)`
      return tx`COPY (SELECT 1) TO STDOUT`.readable().then(async (stream) => {
        const chunks: Buffer[] = []
        for await (const chunk of stream) chunks.push(chunk as Buffer)
        return Buffer.concat(chunks).toString()
      })
    })
    expect(copied).toBe('1\n')
  })

  it("refuses a client's own call of the stand-in's functions in sys, which would run DDL past the rules", async () => {
    for (const text of [
      `SELECT sys.create_index_async('guess', 'TRUNCATE g_t', 'g_t')`,
      `SELECT sys.validate_constraint_async(NULL, 'TRUNCATE g_t')`,
      `CALL sys.drop_columns_checked('', 'TRUNCATE g_t', 'g_t', ARRAY['a'])`,
      `SELECT sys.record_job('guess', 'INDEX_BUILD', NULL, NULL, 'forged')`,
    ]) {
      await expect(client.query(text), text).rejects.toMatchObject({ code: '42501' })
    }
    await expect(client.query('SELECT * FROM sys.internal_key')).rejects.toMatchObject({
      code: '42501',
    })
    expect(await rows()).toBe(5)
  })

  it('refuses text too deep for its parser instead of passing it on unchecked', async () => {
    const deep = `SELECT ${Array.from({ length: 12_000 }, () => '1').join('+')}`
    await expect(client.query(`TRUNCATE g_t; COMMIT; ${deep}`)).rejects.toMatchObject({
      code: '54001',
      message: 'statement too complex for dsql-local to check',
    })
    expect(await rows()).toBe(5)
  })
})
