import type { DsqlLocalCluster } from 'dsql-local'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createPool } from '../src/db.ts'
import { createOwnerTable, insertOwners } from '../src/owners.ts'
import { transaction } from '../src/transaction.ts'
import { clusterConfig } from './cluster-config.ts'

describe('a transaction on a stand-in of its own that injects conflicts at COMMIT', () => {
  // Injected conflicts hit every session of a stand-in, so this test has one to itself.
  let cluster: DsqlLocalCluster | undefined
  beforeAll(async () => {
    if (!inject('local')) return
    const { startDsqlLocal } = await import('dsql-local')
    // Its log would only repeat what the test checks; errors of the stand-in itself still show.
    cluster = await startDsqlLocal({
      logger: {
        info: () => {},
        warn: () => {},
        error: (line) => console.error(`dsql-local: ${line}`),
      },
    })
  })
  afterAll(() => cluster?.stop())

  it.skipIf(!inject('local'))(
    'runs the transaction three times after two injected conflicts, and writes once',
    async () => {
      if (cluster === undefined) throw new Error('the stand-in did not start')
      const pool = createPool(clusterConfig(cluster.env), { credentials: cluster.credentials })
      try {
        await createOwnerTable(pool)
        cluster.injectConflicts({ count: 2 })
        const attempts: number[] = []
        const retries: (string | undefined)[] = []
        const inserted = await transaction(
          pool,
          async (db) => {
            attempts.push(attempts.length + 1)
            const [owner] = await insertOwners(db, [{ name: 'Di', city: 'Bern', telephone: null }])
            return owner
          },
          { baseDelayMs: 5, onRetry: (e) => retries.push(e.sqlState) },
        )

        expect(attempts).toEqual([1, 2, 3])
        expect(retries).toEqual(['40001', '40001'])
        const { rows } = await pool.query('select id, name, city, telephone from owner')
        expect(rows).toEqual([inserted])
      } finally {
        await pool.end()
      }
    },
  )
})
