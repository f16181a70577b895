import type pg from 'pg'
import type postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dsqlRules } from '../src/sql/dsql-rules.ts'
import { caseSetup, dialectCases, dialectSetup } from './dialect-cases.ts'
import { type AdminSessions, captureLogger, startWithAdminSessions } from './helpers.ts'

/** The three ways a client sends a statement. */
const paths = ['pg simple', 'pg extended', 'postgres.js'] as const
type Path = (typeof paths)[number]

/** Rules tested elsewhere: transaction rules and the age limit in transaction-rules.test.ts, row and size limits in their own tests, too-complex in gate-robustness.test.ts. */
const testedElsewhere = new Set([
  'ddl-multiple',
  'ddl-dml',
  'row-limit',
  'size-limit',
  'age-limit',
  'too-complex',
])

describe("DSQL's SQL dialect", () => {
  let client: pg.Client
  let sql: postgres.Sql
  const log = captureLogger()
  let counter = 0
  let sessions: AdminSessions | undefined

  beforeAll(async () => {
    sessions = await startWithAdminSessions({ logger: log.logger })
    ;({ client, sql } = sessions)
  })
  afterAll(() => sessions?.stop())

  /** Runs one statement (or a multi-statement string, simple protocol only) through a path. */
  async function run(path: Path, text: string): Promise<unknown> {
    if (path === 'pg simple') return client.query(text)
    if (path === 'pg extended') return client.query({ text, queryMode: 'extended' } as never)
    return sql.unsafe(text)
  }

  /** Runs statements one by one, each in its own transaction (DSQL: one DDL per transaction). */
  async function runEach(statements: readonly string[], n: number): Promise<void> {
    for (const statement of statements) await client.query(statement.replaceAll('{n}', String(n)))
  }

  it('has a case for every statement rule of the rule table', () => {
    const covered = new Set(dialectCases.map((c) => c.rule))
    const missing = dsqlRules
      .map((r) => r.id)
      .filter((id) => !covered.has(id) && !testedElsewhere.has(id))
    expect(missing).toEqual([])
  })

  for (const path of paths) {
    describe(`through ${path}`, () => {
      for (const c of dialectCases) {
        // A multi-statement string is a simple-protocol query only.
        if (c.refused.includes(';') && path !== 'pg simple') continue
        it(`${c.rule}: refuses "${c.refused}", accepts the nearest form`, async () => {
          const n = ++counter
          await runEach([...dialectSetup, ...(caseSetup[c.rule] ?? [])], n)
          const refused = c.refused.replaceAll('{n}', String(n))
          await expect(run(path, refused)).rejects.toMatchObject({
            code: c.code,
            message: c.message,
          })
          // A refusal inside BEGIN ... aborts that transaction, as any error does: end it.
          if (refused.startsWith('BEGIN')) await run(path, 'ROLLBACK')
          // A refusal outside a transaction leaves the session that got it usable.
          const rows = await run(path, 'SELECT 1 AS one')
          expect(path === 'postgres.js' ? rows : (rows as pg.QueryResult).rows).toEqual([
            { one: 1 },
          ])
          if (c.allowed !== undefined) {
            const allowed = c.allowed.replaceAll('{n}', String(n))
            if (allowed.includes(';') && path !== 'pg simple') return
            await run(path, allowed)
          }
        })
      }
    })
  }

  it('accepts every type of the allow-list, however it is spelled, and refuses others by name', async () => {
    const n = ++counter
    await client.query(`CREATE TABLE dia_all${n} (
      id uuid PRIMARY KEY, a smallint, b int2, c integer, d int, e int4, f bigint, g int8, h real,
      i float4, j double precision, k float8, l numeric(10, 2), m decimal, o dec, p char(3),
      q character(2), r bpchar, s varchar(20), t character varying, u text, v bytea, w boolean,
      x bool, y date, z time, aa time with time zone, ab timetz, ac timestamp, ad timestamptz,
      ae timestamp with time zone, af interval, ag interval day, ah json, ai jsonb, aj float,
      ak pg_catalog.text)`)
    await client.query(`CREATE DOMAIN dia_dom${n} AS varchar(10)`)
    await client.query(`CREATE TABLE dia_dt${n} (id uuid PRIMARY KEY, d dia_dom${n})`)
    for (const [type, shown] of [
      ['bit(3)', 'bit'],
      ['pg_catalog.inet', 'inet'],
      ['varchar(3)[]', 'character varying[]'],
      ['"char"', '"char"'],
      ['xml', 'xml'],
      ['tsvector', 'tsvector'],
    ]) {
      await expect(
        client.query(`CREATE TABLE dia_no${n} (id uuid PRIMARY KEY, c ${type})`),
        type,
      ).rejects.toMatchObject({ code: '0A000', message: `datatype ${shown} not supported` })
    }
  })

  it('logs each refused statement with its rule, string literals masked', async () => {
    const n = ++counter
    await runEach(dialectSetup, n)
    await expect(
      client.query(`SELECT * FROM dia_t${n} WHERE b = 'secret' FOR SHARE`),
    ).rejects.toThrow()
    const line = log.lines.findLast((l) => l.includes('locking-clause'))
    expect(line).toContain('by rule "locking-clause"')
    expect(line).toContain("b = '…'")
    expect(log.lines.join('\n')).not.toContain('secret')
  })

  it('CREATE INDEX ASYNC answers one job_id, builds the index and records a completed job', async () => {
    const n = ++counter
    await runEach(dialectSetup, n)
    const result = await client.query(`CREATE UNIQUE INDEX ASYNC dia_ux${n} ON dia_t${n} (b)`)
    expect(result.command).toBe('CREATE')
    expect(result.fields.map((f) => f.name)).toEqual(['job_id'])
    const [{ job_id: jobId }] = result.rows as [{ job_id: string }]
    expect(jobId).toMatch(/^[a-z2-7]{26}$/)
    await client.query(`CALL sys.wait_for_job('${jobId}')`)
    const job = await client.query(
      'SELECT status, job_type, object_name FROM sys.jobs WHERE job_id = $1',
      [jobId],
    )
    expect(job.rows).toEqual([
      { status: 'completed', job_type: 'INDEX_BUILD', object_name: `dia_ux${n}` },
    ])
    const index = await client.query('SELECT indexdef FROM pg_indexes WHERE indexname = $1', [
      `dia_ux${n}`,
    ])
    expect(index.rows[0]?.indexdef).toContain('UNIQUE INDEX')
    // Through postgres.js (extended protocol) too, with a partial index and no name.
    const [row] = await sql.unsafe(`CREATE INDEX ASYNC ON dia_t${n} (a) WHERE a > 0`)
    expect(row?.job_id).toMatch(/^[a-z2-7]{26}$/)
  })

  it('sys.wait_for_job refuses a bad id with 22P02, and is a procedure (42809 from SELECT)', async () => {
    await expect(client.query(`CALL sys.wait_for_job('not-a-job')`)).rejects.toMatchObject({
      code: '22P02',
    })
    await expect(client.query(`CALL sys.wait_for_job('${'a'.repeat(26)}')`)).rejects.toMatchObject({
      code: '22P02',
    })
    await expect(client.query(`SELECT sys.wait_for_job('x')`)).rejects.toMatchObject({
      code: '42809',
    })
  })

  it('a schema-qualified index name is a syntax error, as on DSQL', async () => {
    await expect(
      client.query('CREATE INDEX ASYNC public.dia_q ON dia_t1 (a)'),
    ).rejects.toMatchObject({
      code: '42601',
      message: 'syntax error at or near "."',
    })
  })

  it('DSQL words inside literals, quoted identifiers and comments are left alone', async () => {
    const text = `SELECT 'AWS IAM GRANT x TO ''arn''' AS a, $q$CREATE INDEX ASYNC$q$ AS b, 1 AS "AWS IAM GRANT" -- AWS IAM REVOKE x FROM 'y'`
    const result = await client.query(text)
    expect(result.rows).toEqual([
      { a: "AWS IAM GRANT x TO 'arn'", b: 'CREATE INDEX ASYNC', 'AWS IAM GRANT': 1 },
    ])
    expect(
      (await client.query('SELECT count(*)::int AS n FROM sys.iam_pg_role_mappings')).rows,
    ).toEqual([{ n: 0 }])
  })
})
