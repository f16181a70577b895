import { describe, expect, inject, it } from 'vitest'
import { createSql, NON_ADMIN_SCHEMA, schemaFor } from '../src/db.ts'
import { grantNonAdmin } from '../src/grant-non-admin.ts'
import { createOwnerTable, insertOwners } from '../src/owners.ts'
import { runExample } from '../src/run-example.ts'
import { transaction } from '../src/transaction.ts'
import { clusterConfig, sleep } from './cluster-config.ts'

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

      let firstUpdated!: () => void
      const updatedByFirst = new Promise<void>((resolve) => {
        firstUpdated = resolve
      })
      const first = transaction(sql, async (tx) => {
        await tx`update owner set city = 'Milan' where id = ${id}`
        firstUpdated()
        await sleep(300) // the second transaction writes the same row meanwhile
      })
      const attempts: number[] = []
      const retries: string[] = []
      const second = updatedByFirst.then(() =>
        transaction(
          sql,
          async (tx) => {
            attempts.push(attempts.length + 1)
            await tx`update owner set city = 'Turin' where id = ${id}`
          },
          { baseDelayMs: 5, onRetry: (e) => retries.push(e.sqlState ?? '') },
        ),
      )
      await Promise.all([first, second])

      expect(attempts).toEqual([1, 2])
      expect(retries).toEqual(['40001'])
      const [row] = await sql`select city from owner where id = ${id}`
      expect(row?.city).toBe('Turin')
      await sql`delete from owner where id = ${id}`
    } finally {
      await sql.end()
    }
  })
})
