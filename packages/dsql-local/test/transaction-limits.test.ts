import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlLocalCluster, type DsqlLocalOptions, startDsqlLocal } from '../src/index.ts'
import { captureLogger, pgClient, signerFor } from './helpers.ts'

// DSQL's errors carry no PL/pgSQL context (`where`), although PostgreSQL's triggers raise them here.
const rowLimitExceeded = {
  code: '54000',
  message: 'transaction row limit exceeded',
  where: undefined,
}
const sizeLimitExceeded = {
  code: '54000',
  message: 'transaction size limit 10mb exceeded',
  where: undefined,
}
const quiet = captureLogger().logger
const appArn = 'arn:aws:iam::111122223333:role/app'
const appKey = { accessKeyId: 'AKIAAPPKEY0000000002', secretAccessKey: 'app-secret-key' }

/** Runs `body` with an `admin` session (or `app`'s) of `cluster` and always closes it. */
async function withSession<T>(
  cluster: DsqlLocalCluster,
  body: (client: pg.Client) => Promise<T>,
  user: 'admin' | 'app' = 'admin',
): Promise<T> {
  const client =
    user === 'admin'
      ? pgClient(cluster, { password: () => signerFor(cluster).getDbConnectAdminAuthToken() })
      : pgClient(cluster, {
          user,
          password: () => signerFor(cluster, { credentials: appKey }).getDbConnectAuthToken(),
        })
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

const count = async (client: pg.Client, table: string) =>
  Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)

describe('transaction limits with a row limit of 10 and a size limit of 64 KiB', () => {
  let cluster: DsqlLocalCluster
  /** 8,400 characters that compression cannot shrink much: eight rows of them cross 64 KiB. */
  const bulky = () => randomBytes(6300).toString('base64')

  beforeAll(async () => {
    cluster = await startDsqlLocal({
      logger: quiet,
      transactionRowLimit: 10,
      transactionSizeLimitBytes: 64 * 1024,
      credentials: [
        { ...appKey, accessKeyId: 'AKIAADMINKEY00000002', arn: 'arn:aws:iam::000000000000:user/a' },
        { ...appKey, arn: appArn },
      ],
    })
    await withSession(cluster, async (admin) => {
      // DDL in autocommit statements of their own: DSQL refuses DDL and DML in one transaction.
      for (const table of ['item', 'ledger', 'upserted', 'sized', 'guarded']) {
        await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, note text)`)
      }
      await admin.query('CREATE TABLE parent (id int PRIMARY KEY)')
      await admin.query(
        'CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent ON DELETE CASCADE)',
      )
      await admin.query('CREATE VIEW upserted_view AS SELECT id, note FROM upserted')
      await admin.query('CREATE ROLE app WITH LOGIN')
      await admin.query(`AWS IAM GRANT app TO '${appArn}'`)
      await admin.query('CREATE SCHEMA app_data')
      await admin.query('GRANT USAGE, CREATE ON SCHEMA app_data TO app')
    })
  })
  afterAll(async () => {
    await cluster?.stop()
  })

  it('lets an autocommit statement modify exactly the limit and refuses one row more', async () => {
    await withSession(cluster, async (client) => {
      await client.query('INSERT INTO item SELECT g, null FROM generate_series(1, 10) g')
      await expect(
        client.query('INSERT INTO item SELECT g, null FROM generate_series(11, 21) g'),
      ).rejects.toMatchObject(rowLimitExceeded)
      expect(await count(client, 'item')).toBe(10)
      // UPDATE and DELETE count the same way; the refused DELETE changed nothing.
      await client.query('UPDATE item SET note = $1', ['updated'])
      await client.query('INSERT INTO item VALUES (11, null)')
      await expect(client.query('DELETE FROM item')).rejects.toMatchObject(rowLimitExceeded)
      expect(await count(client, 'item')).toBe(11)
    })
  })

  it('counts over all statements of a transaction; the crossing one aborts it', async () => {
    await withSession(cluster, async (client) => {
      await client.query('INSERT INTO ledger SELECT g, null FROM generate_series(1, 5) g')
      await client.query('BEGIN')
      await client.query('INSERT INTO ledger SELECT g, null FROM generate_series(100, 103) g')
      await client.query('UPDATE ledger SET note = $1 WHERE id <= 5', ['again']) // 4 + 5 = 9
      await client.query('DELETE FROM ledger WHERE id = 100') // 10: exactly the limit
      await expect(client.query('INSERT INTO ledger VALUES (200, null)')).rejects.toMatchObject(
        rowLimitExceeded,
      )
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' })
      expect((await client.query('COMMIT')).command).toBe('ROLLBACK')
      expect((await client.query('SELECT id FROM ledger WHERE id >= 100')).rows).toEqual([])
      expect(
        (await client.query('SELECT count(*) AS n FROM ledger WHERE note = $1', ['again'])).rows,
      ).toEqual([{ n: '0' }])
      // A new transaction starts from zero.
      await client.query('BEGIN')
      await client.query('INSERT INTO ledger SELECT g, null FROM generate_series(100, 109) g')
      await client.query('COMMIT')
      expect(await count(client, 'ledger')).toBe(15)
    })
  })

  it('counts rows inserted and updated by INSERT ... ON CONFLICT DO UPDATE, and through a view', async () => {
    await withSession(cluster, async (client) => {
      await client.query('INSERT INTO upserted SELECT g, null FROM generate_series(1, 5) g')
      // 5 updated + 6 inserted = 11.
      await expect(
        client.query(
          `INSERT INTO upserted SELECT g, 'upsert' FROM generate_series(1, 11) g
           ON CONFLICT (id) DO UPDATE SET note = excluded.note`,
        ),
      ).rejects.toMatchObject(rowLimitExceeded)
      await client.query(
        `INSERT INTO upserted SELECT g, 'upsert' FROM generate_series(1, 10) g
         ON CONFLICT (id) DO UPDATE SET note = excluded.note`,
      )
      await client.query('DELETE FROM upserted WHERE id > 5')
      await expect(
        client.query('INSERT INTO upserted_view SELECT g, null FROM generate_series(11, 21) g'),
      ).rejects.toMatchObject(rowLimitExceeded)
      expect(await count(client, 'upserted')).toBe(5)
    })
  })

  it('counts rows deleted by ON DELETE CASCADE', async () => {
    await withSession(cluster, async (client) => {
      await client.query('INSERT INTO parent VALUES (1), (2)')
      await client.query('INSERT INTO child SELECT g, 1 FROM generate_series(1, 10) g')
      await client.query('INSERT INTO child VALUES (11, 2)')
      // 1 parent + 10 children = 11 rows.
      await expect(client.query('DELETE FROM parent WHERE id = 1')).rejects.toMatchObject(
        rowLimitExceeded,
      )
      expect(await count(client, 'child')).toBe(11)
      await client.query('DELETE FROM child WHERE id = 10')
      await client.query('DELETE FROM parent WHERE id = 1') // 1 + 9 = 10
      expect(await count(client, 'child')).toBe(1)
    })
  })

  it('refuses the COMMIT of a transaction past the size limit and rolls it back', async () => {
    await withSession(cluster, async (client) => {
      const insert = 'INSERT INTO sized SELECT g, $2 || g FROM generate_series($1::int, $1 + 3) g'
      await client.query('BEGIN')
      await client.query(insert, [1, bulky()]) // about 32 KB
      await client.query(insert, [5, bulky()]) // about 64 KB: the statements pass
      await expect(client.query('COMMIT')).rejects.toMatchObject(sizeLimitExceeded)
      expect(await count(client, 'sized')).toBe(0)
      // Autocommit: checked at the implicit commit.
      await expect(
        client.query('INSERT INTO sized SELECT g, $1 || g FROM generate_series(1, 9) g', [bulky()]),
      ).rejects.toMatchObject(sizeLimitExceeded)
      expect(await count(client, 'sized')).toBe(0)
      await client.query('INSERT INTO sized SELECT g, $1 || g FROM generate_series(1, 6) g', [
        bulky(),
      ])
      expect(await count(client, 'sized')).toBe(6)
    })
  })

  it('limits tables that a non-admin role creates in its own schema, and survives DDL', async () => {
    await withSession(
      cluster,
      async (client) => {
        await client.query('CREATE TABLE app_data.note (id int PRIMARY KEY, body text)')
        await expect(
          client.query('INSERT INTO app_data.note SELECT g, null FROM generate_series(1, 11) g'),
        ).rejects.toMatchObject(rowLimitExceeded)
        await client.query('ALTER TABLE app_data.note ADD COLUMN extra text')
        await client.query(
          'INSERT INTO app_data.note SELECT g, null, null FROM generate_series(1, 10) g',
        )
        await client.query('ALTER TABLE app_data.note DROP COLUMN body')
        await expect(
          client.query('UPDATE app_data.note SET extra = $1 WHERE id >= 0 OR id IS NULL', ['x']),
        ).resolves.toMatchObject({ rowCount: 10 })
        await expect(
          client.query('INSERT INTO app_data.note SELECT g, null FROM generate_series(11, 21) g'),
        ).rejects.toMatchObject(rowLimitExceeded)
        // What a schema introspection (Kysely's, pg's) reads is the user's columns only.
        const { rows } = await client.query(
          `SELECT column_name FROM information_schema.columns
           WHERE table_schema = 'app_data' AND table_name = 'note' ORDER BY ordinal_position`,
        )
        expect(rows).toEqual([{ column_name: 'id' }, { column_name: 'extra' }])
        await client.query('DROP TABLE app_data.note')
      },
      'app',
    )
  })

  it('puts the counting triggers back when a table owner drops or disables them', async () => {
    await withSession(cluster, async (client) => {
      const triggers = `SELECT count(*) AS n FROM pg_trigger
        WHERE tgrelid = 'guarded'::regclass AND NOT tgisinternal AND tgenabled = 'O'`
      const before = (await client.query(triggers)).rows
      await client.query('ALTER TABLE guarded DISABLE TRIGGER USER')
      await client.query('DROP TRIGGER dsql_local_insert_limit ON guarded')
      expect((await client.query(triggers)).rows).toEqual(before)
      await expect(
        client.query('INSERT INTO guarded SELECT g, null FROM generate_series(1, 11) g'),
      ).rejects.toMatchObject(rowLimitExceeded)
    })
  })
})

describe('transaction limits across restarts of a kept data directory', () => {
  it('applies DSQL defaults (3,000 rows), then relaxRules, to tables made before', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'dsql-local-test-'))
    await chmod(parent, 0o711) // as root, PostgreSQL runs as user postgres and must reach it
    const dataDir = path.join(parent, 'data')
    const run = async (options: DsqlLocalOptions, body: (client: pg.Client) => Promise<void>) => {
      const cluster = await startDsqlLocal({ logger: quiet, dataDir, ...options })
      try {
        await withSession(cluster, body)
      } finally {
        await cluster.stop()
      }
    }
    const insert = (last: number) => `INSERT INTO kept SELECT g FROM generate_series(1, ${last}) g`
    try {
      await run({ transactionRowLimit: 10 }, async (client) => {
        await client.query('CREATE TABLE kept (id int PRIMARY KEY)')
        await expect(client.query(insert(11))).rejects.toMatchObject(rowLimitExceeded)
      })
      await run({}, async (client) => {
        await expect(client.query(insert(3001))).rejects.toMatchObject(rowLimitExceeded)
        expect(await count(client, 'kept')).toBe(0)
        await client.query(insert(3000))
        expect(await count(client, 'kept')).toBe(3000)
        await client.query('DELETE FROM kept')
      })
      await run({ relaxRules: ['row-limit'] }, async (client) => {
        await client.query(insert(3001))
        expect(await count(client, 'kept')).toBe(3001)
      })
      await run({ relaxRules: ['row-limit', 'size-limit'] }, async (client) => {
        // With both limits off, no table carries the counting triggers.
        const { rows } = await client.query(
          `SELECT count(*) AS n FROM pg_trigger WHERE tgname LIKE 'dsql_local_%'`,
        )
        expect(rows).toEqual([{ n: '0' }])
      })
    } finally {
      await rm(parent, { recursive: true, force: true })
    }
  })
})
