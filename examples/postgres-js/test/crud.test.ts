import type { RetryEvent } from 'dsql-auth'
import { describe, expect, inject, it } from 'vitest'
import { createSql, NON_ADMIN_SCHEMA, schemaFor } from '../src/db.ts'
import { grantNonAdmin } from '../src/grant-non-admin.ts'
import {
  createOwnerTable,
  deleteOwners,
  findOwners,
  insertOwners,
  updateCity,
} from '../src/owners.ts'
import { runExample } from '../src/run-example.ts'
import { transaction } from '../src/transaction.ts'
import { clusterConfig } from './cluster-config.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('the example program', () => {
  it('runs its CRUD round trip as admin, with the rows right at each step', async () => {
    const sql = createSql(clusterConfig())
    try {
      const report = await runExample(sql, 'public')
      expect(report.user).toBe('admin')
      expect(report.steps).toHaveLength(6)
      expect(report.inserted).toHaveLength(2)
      for (const owner of report.inserted) expect(owner.id).toMatch(UUID)
      expect(report.inserted.map((o) => o.city)).toEqual(['Lisbon', 'Oslo'])
      expect(report.read).toEqual(report.inserted)
      expect(report.updated).toEqual({ ...report.inserted[0], city: 'Porto' })
      expect(report.remaining).toEqual([])
      const ids = report.inserted.map((o) => o.id)
      const [row] =
        await sql`select count(*)::int as n from owner where id = any(${sql.array(ids)}::uuid[])`
      expect(row?.n).toBe(0)
    } finally {
      await sql.end()
    }
  })

  it.skipIf(inject('iamArn') === '')(
    'runs as a non-admin role in myschema, which cannot touch public tables',
    async () => {
      const role = 'example_postgres_js'
      const admin = createSql(clusterConfig())
      try {
        await grantNonAdmin(admin, role, inject('iamArn'))
        await admin`create table if not exists public.admin_only (id int primary key)`
      } finally {
        await admin.end()
      }

      const config = clusterConfig({ DB_USER: role })
      const sql = createSql(config)
      try {
        expect(schemaFor(config)).toBe(NON_ADMIN_SCHEMA)
        const report = await runExample(sql, schemaFor(config))
        expect(report.user).toBe(role)
        expect(report.remaining).toEqual([])
        const tables = await sql`
        select 1 from information_schema.tables where table_name = 'owner' and table_schema = ${NON_ADMIN_SCHEMA}`
        expect(tables.count).toBe(1)
        await expect(sql`select * from public.admin_only`).rejects.toMatchObject({ code: '42501' })
        await expect(sql`insert into public.admin_only values (1)`).rejects.toMatchObject({
          code: '42501',
        })
      } finally {
        await sql.end()
      }
    },
  )

  it('retries a transaction that lost a write conflict, and counts the attempts', async () => {
    const sql = createSql(clusterConfig())
    try {
      await createOwnerTable(sql, 'public')
      const [owner] = await insertOwners(sql, 'public', [
        { name: 'Cy', city: 'Rome', telephone: null },
      ])
      const id = owner?.id as string

      // A reads the owner; while A is open, B moves the owner to Milan and commits; then A writes
      // a city computed from what it read. A has lost: DSQL fails it at COMMIT (the stand-in
      // already at its UPDATE), and the helper runs A again, which now reads B's city.
      let aHasRead!: () => void
      const bMayRun = new Promise<void>((resolve) => {
        aHasRead = resolve
      })
      const bCommitted = bMayRun.then(() => updateCity(sql, 'public', id, 'Milan'))
      const attempts: number[] = []
      const read: string[] = []
      const retries: RetryEvent[] = []
      await transaction(
        sql,
        async (tx) => {
          attempts.push(attempts.length + 1)
          const [before] = await findOwners(tx, 'public', [id])
          read.push(before?.city ?? '')
          if (attempts.length === 1) {
            aHasRead()
            await bCommitted
          }
          await updateCity(tx, 'public', id, `${before?.city}, Italy`)
        },
        { baseDelayMs: 5, onRetry: (e) => retries.push(e) },
      )

      expect(attempts).toEqual([1, 2])
      expect(read).toEqual(['Rome', 'Milan'])
      expect(retries.map((e) => e.sqlState)).toEqual(['40001'])
      expect(retries[0]?.error).toMatchObject({ message: expect.stringContaining('(OC000)') })
      const [after] = await findOwners(sql, 'public', [id])
      expect(after?.city).toBe('Milan, Italy') // B's move and A's change, neither lost
      await deleteOwners(sql, 'public', [id])
    } finally {
      await sql.end()
    }
  })
})
