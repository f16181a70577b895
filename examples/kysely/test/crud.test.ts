import { sql } from 'kysely'
import { describe, expect, inject, it } from 'vitest'
import { createDb, NON_ADMIN_SCHEMA } from '../src/db.ts'
import { grantNonAdmin } from '../src/grant-non-admin.ts'
import { createOwnerTable, insertOwners } from '../src/owners.ts'
import { runExample } from '../src/run-example.ts'
import { transaction } from '../src/transaction.ts'
import { clusterConfig, sleep } from './cluster-config.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('the example program', () => {
  it('runs its CRUD round trip as admin, with the rows right at each step', async () => {
    const db = createDb(clusterConfig())
    try {
      const report = await runExample(db)
      expect(report.user).toBe('admin')
      expect(report.steps).toHaveLength(6)
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
        const report = await runExample(db)
        expect(report.user).toBe(role)
        expect(report.remaining).toEqual([])
        const tables = await sql`
        select 1 from information_schema.tables
        where table_name = 'owner' and table_schema = ${NON_ADMIN_SCHEMA}`.execute(db)
        expect(tables.rows).toHaveLength(1)
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
      await createOwnerTable(db)
      const [owner] = await insertOwners(db, [{ name: 'Cy', city: 'Rome', telephone: null }])
      const id = owner?.id as string

      let firstUpdated!: () => void
      const updatedByFirst = new Promise<void>((resolve) => {
        firstUpdated = resolve
      })
      const first = transaction(db, async (trx) => {
        await trx.updateTable('owner').set({ city: 'Milan' }).where('id', '=', id).execute()
        firstUpdated()
        await sleep(300) // the second transaction writes the same row meanwhile
      })
      const attempts: number[] = []
      const retries: string[] = []
      const second = updatedByFirst.then(() =>
        transaction(
          db,
          async (trx) => {
            attempts.push(attempts.length + 1)
            await trx.updateTable('owner').set({ city: 'Turin' }).where('id', '=', id).execute()
          },
          { baseDelayMs: 5, onRetry: (e) => retries.push(e.sqlState ?? '') },
        ),
      )
      await Promise.all([first, second])

      expect(attempts).toEqual([1, 2])
      expect(retries).toEqual(['40001'])
      const row = await db
        .selectFrom('owner')
        .select('city')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      expect(row.city).toBe('Turin')
      await db.deleteFrom('owner').where('id', '=', id).execute()
    } finally {
      await db.destroy()
    }
  })
})
