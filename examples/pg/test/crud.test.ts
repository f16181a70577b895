import { describe, expect, inject, it } from 'vitest'
import { createPool, NON_ADMIN_SCHEMA } from '../src/db.ts'
import { grantNonAdmin } from '../src/grant-non-admin.ts'
import { createOwnerTable, insertOwners } from '../src/owners.ts'
import { runExample } from '../src/run-example.ts'
import { transaction } from '../src/transaction.ts'
import { clusterConfig, sleep } from './cluster-config.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('the example program', () => {
  it('runs its CRUD round trip as admin, with the rows right at each step', async () => {
    const pool = createPool(clusterConfig())
    try {
      const report = await runExample(pool)
      expect(report.user).toBe('admin')
      expect(report.steps).toHaveLength(6)
      expect(report.inserted).toHaveLength(2)
      for (const owner of report.inserted) expect(owner.id).toMatch(UUID)
      expect(report.inserted.map((o) => o.city)).toEqual(['Lisbon', 'Oslo'])
      expect(report.read).toEqual(report.inserted)
      expect(report.updated).toEqual({ ...report.inserted[0], city: 'Porto' })
      expect(report.remaining).toEqual([])
      const { rows } = await pool.query(
        'select count(*)::int as n from owner where id = any($1::uuid[])',
        [report.inserted.map((o) => o.id)],
      )
      expect(rows[0].n).toBe(0)
    } finally {
      await pool.end()
    }
  })

  it.skipIf(inject('iamArn') === '')(
    'runs as a non-admin role in myschema, which cannot touch public tables',
    async () => {
      const role = 'example_pg'
      const admin = createPool(clusterConfig())
      try {
        await grantNonAdmin(admin, role, inject('iamArn'))
        await admin.query('create table if not exists public.admin_only (id int primary key)')
      } finally {
        await admin.end()
      }

      const pool = createPool(clusterConfig({ DB_USER: role }))
      try {
        const report = await runExample(pool)
        expect(report.user).toBe(role)
        expect(report.remaining).toEqual([])
        const { rows } = await pool.query('select current_schema() as schema')
        expect(rows[0].schema).toBe(NON_ADMIN_SCHEMA)
        const tables = await pool.query(
          "select table_schema from information_schema.tables where table_name = 'owner' and table_schema = $1",
          [NON_ADMIN_SCHEMA],
        )
        expect(tables.rowCount).toBe(1)
        await expect(pool.query('select * from public.admin_only')).rejects.toMatchObject({
          code: '42501',
        })
        await expect(pool.query('insert into public.admin_only values (1)')).rejects.toMatchObject({
          code: '42501',
        })
      } finally {
        await pool.end()
      }
    },
  )

  it('retries a transaction that lost a write conflict, and counts the attempts', async () => {
    const pool = createPool(clusterConfig())
    try {
      await createOwnerTable(pool)
      const [owner] = await insertOwners(pool, [{ name: 'Cy', city: 'Rome', telephone: null }])
      const id = owner?.id as string

      let firstUpdated!: () => void
      const updatedByFirst = new Promise<void>((resolve) => {
        firstUpdated = resolve
      })
      const first = transaction(pool, async (db) => {
        await db.query("update owner set city = 'Milan' where id = $1", [id])
        firstUpdated()
        await sleep(300) // the second transaction writes the same row meanwhile
      })
      const attempts: number[] = []
      const retries: string[] = []
      const second = updatedByFirst.then(() =>
        transaction(
          pool,
          async (db) => {
            attempts.push(attempts.length + 1)
            await db.query("update owner set city = 'Turin' where id = $1", [id])
          },
          { baseDelayMs: 5, onRetry: (e) => retries.push(e.sqlState ?? '') },
        ),
      )
      await Promise.all([first, second])

      expect(attempts).toEqual([1, 2])
      expect(retries).toEqual(['40001'])
      const { rows } = await pool.query('select city from owner where id = $1', [id])
      expect(rows[0].city).toBe('Turin')
      await pool.query('delete from owner where id = $1', [id])
    } finally {
      await pool.end()
    }
  })
})
