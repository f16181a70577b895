import type { RetryEvent } from 'dsql-auth'
import { type Kysely, sql } from 'kysely'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import type { Database } from '../src/database.ts'
import { createDb, NON_ADMIN_SCHEMA, schemaFor } from '../src/db.ts'
import { grantNonAdmin } from '../src/grant-non-admin.ts'
import { createMigrator, runMigrations } from '../src/migrator/dsql-migrator.ts'
import { deleteOwners, findOwners, insertOwners, updateCity } from '../src/owners.ts'
import { runExample } from '../src/run-example.ts'
import { transaction } from '../src/transaction.ts'
import { clusterConfig } from './cluster-config.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** What the program does first: the role's schema at the latest migration. */
async function migrate(db: Kysely<Database>, user: string): Promise<void> {
  await runMigrations(createMigrator(db, { schema: schemaFor(user) }))
}

describe('the example program', () => {
  beforeAll(async () => {
    const db = createDb(clusterConfig())
    try {
      await migrate(db, 'admin')
    } finally {
      await db.destroy()
    }
  })

  it('runs its CRUD round trip as admin, with the rows right at each step', async () => {
    const db = createDb(clusterConfig())
    try {
      const report = await runExample(db)
      expect(report.user).toBe('admin')
      expect(report.steps).toHaveLength(5)
      expect(report.inserted).toHaveLength(2)
      for (const owner of report.inserted) expect(owner.id).toMatch(UUID)
      expect(report.inserted.map((o) => o.city)).toEqual(['Lisbon', 'Oslo'])
      expect(report.read).toEqual(report.inserted)
      expect(report.updated).toEqual({ ...report.inserted[0], city: 'Porto' })
      expect(report.remaining).toEqual([])
      const ids = report.inserted.map((o) => o.id)
      const { n } = await db
        .selectFrom('owner')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('id', 'in', ids)
        .executeTakeFirstOrThrow()
      expect(Number(n)).toBe(0)
    } finally {
      await db.destroy()
    }
  })

  it.skipIf(inject('iamArn') === '')(
    'runs as a non-admin role in myschema, which cannot touch public tables',
    async () => {
      const role = 'example_kysely'
      const admin = createDb(clusterConfig())
      try {
        await grantNonAdmin(admin, role, inject('iamArn'))
        await sql`create table if not exists public.admin_only (id int primary key)`.execute(admin)
      } finally {
        await admin.destroy()
      }

      const db = createDb(clusterConfig({ DB_USER: role }))
      try {
        // The role migrates its own schema: the example's tables and Kysely's migration tables
        // all land in myschema, whatever admin has in public.
        await migrate(db, role)
        const report = await runExample(db)
        expect(report.user).toBe(role)
        expect(report.remaining).toEqual([])
        const tables = await sql<{ table_name: string }>`
        select table_name from information_schema.tables
        where table_schema = ${NON_ADMIN_SCHEMA} order by table_name`.execute(db)
        expect(tables.rows.map((r) => r.table_name)).toEqual(
          expect.arrayContaining(['kysely_migration', 'kysely_migration_lock', 'owner']),
        )
        const applied = await sql<{ name: string }>`
        select name from ${sql.id(NON_ADMIN_SCHEMA, 'kysely_migration')} order by name`.execute(db)
        expect(applied.rows.map((r) => r.name)).toEqual([
          '0001-create-owner-table',
          '0002-create-owner-city-index',
        ])
        const index = await sql`
        select 1 from pg_indexes
        where schemaname = ${NON_ADMIN_SCHEMA} and indexname = 'owner_city_idx'`.execute(db)
        expect(index.rows).toHaveLength(1)
        await expect(sql`select * from public.admin_only`.execute(db)).rejects.toMatchObject({
          code: '42501',
        })
        await expect(
          sql`insert into public.admin_only values (1)`.execute(db),
        ).rejects.toMatchObject({ code: '42501' })
      } finally {
        await db.destroy()
      }
    },
  )

  it('retries a transaction that lost a write conflict, and counts the attempts', async () => {
    const db = createDb(clusterConfig())
    try {
      const [owner] = await insertOwners(db, [{ name: 'Cy', city: 'Rome', telephone: null }])
      const id = owner?.id as string

      // A reads the owner; while A is open, B moves the owner to Milan and commits; then A writes
      // a city computed from what it read. A has lost: DSQL fails it at COMMIT (the stand-in
      // already at its UPDATE), and the helper runs A again, which now reads B's city.
      let aHasRead!: () => void
      const bMayRun = new Promise<void>((resolve) => {
        aHasRead = resolve
      })
      const bCommitted = bMayRun.then(() => updateCity(db, id, 'Milan'))
      const attempts: number[] = []
      const read: string[] = []
      const retries: RetryEvent[] = []
      await transaction(
        db,
        async (trx) => {
          attempts.push(attempts.length + 1)
          const [before] = await findOwners(trx, [id])
          read.push(before?.city ?? '')
          if (attempts.length === 1) {
            aHasRead()
            await bCommitted
          }
          await updateCity(trx, id, `${before?.city}, Italy`)
        },
        { baseDelayMs: 5, onRetry: (e) => retries.push(e) },
      )

      expect(attempts).toEqual([1, 2])
      expect(read).toEqual(['Rome', 'Milan'])
      expect(retries.map((e) => e.sqlState)).toEqual(['40001'])
      expect(retries[0]?.error).toMatchObject({ message: expect.stringContaining('(OC000)') })
      const [after] = await findOwners(db, [id])
      expect(after?.city).toBe('Milan, Italy') // B's move and A's change, neither lost
      await deleteOwners(db, [id])
    } finally {
      await db.destroy()
    }
  })
})
