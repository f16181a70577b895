import type { DsqlLocalCluster } from 'dsql-local'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Database } from '../src/database.ts'
import { createDb, schemaFor } from '../src/db.ts'
import { createMigrator, runMigrations } from '../src/migrator/dsql-migrator.ts'
import { insertOwners } from '../src/owners.ts'
import { transaction } from '../src/transaction.ts'
import { clusterConfig } from './cluster-config.ts'

/** What the program does first: the role's schema at the latest migration. */
async function migrate(db: Kysely<Database>, user: string): Promise<void> {
  await runMigrations(createMigrator(db, { schema: schemaFor(user) }))
}

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
      const db = createDb(clusterConfig(cluster.env), { credentials: cluster.credentials })
      try {
        await migrate(db, 'admin')
        cluster.injectConflicts({ count: 2 })
        const attempts: number[] = []
        const retries: (string | undefined)[] = []
        const inserted = await transaction(
          db,
          async (trx) => {
            attempts.push(attempts.length + 1)
            const [owner] = await insertOwners(trx, [{ name: 'Di', city: 'Bern', telephone: null }])
            return owner
          },
          { baseDelayMs: 5, onRetry: (e) => retries.push(e.sqlState) },
        )

        expect(attempts).toEqual([1, 2, 3])
        expect(retries).toEqual(['40001', '40001'])
        expect(await db.selectFrom('owner').selectAll().execute()).toEqual([inserted])
      } finally {
        await db.destroy()
      }
    },
  )
})
